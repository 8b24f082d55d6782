package org.kemu.vfiotype1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kemu.vfiotype1.PageSizes.SZ_1G;
import static org.kemu.vfiotype1.PageSizes.SZ_2K;
import static org.kemu.vfiotype1.PageSizes.SZ_2M;
import static org.kemu.vfiotype1.PageSizes.SZ_4K;
import static org.kemu.vfiotype1.PageSizes.X86_BITMAP;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** iommu_pgsize() of drivers/iommu/iommu.c as summarised in docs/kernel/vfio-gup.md section 5. */
class PageSizesTest {

    @ParameterizedTest(name = "{0}: iova {2} pa {3} size {4} -> {5} x {6}")
    @CsvSource({
        // case, bitmap, iova, paddr, size, pgsize, count
        "4K single page,            x86, 0x0, 0x0, 0x1000, 0x1000, 1",
        "2M aligned both,           x86, 0x0, 0x0, 0x200000, 0x200000, 1",
        "1G aligned both,           x86, 0x40000000, 0x80000000, 0x40000000, 0x40000000, 1",
        "length caps size,          x86, 0x0, 0x0, 0x3ff000, 0x200000, 1",
        "cut 4K run at 2M boundary, x86, 0x1000, 0x1000, 0x400000, 0x1000, 511",
        "too short to reach 2M,     x86, 0x1000, 0x1000, 0x200000, 0x1000, 512",
        "iova/pa not congruent,     x86, 0x200000, 0x201000, 0x800000, 0x1000, 2048",
        "2M leaves 1G incongruent, x86, 0x200000, 0x400000, 0x800000, 0x200000, 4",
        "2M run cut at 1G boundary, x86, 0x200000, 0x200000, 0x80000000, 0x200000, 511",
        "1G plus tail,              x86, 0x0, 0x0, 0x40200000, 0x40000000, 1",
        "pa alignment limits,       x86, 0x40000000, 0x200000, 0x40000000, 0x200000, 512",
        "4K and 2M bitmap only,     2m, 0x0, 0x0, 0x2000000000, 0x200000, 65536",
        "mock 2K pages,             mock, 0x1000000, 0x800, 0x1800, 0x800, 3",
        "mock huge cut at 1M,       mockhuge, 0x1000800, 0x800, 0x200000, 0x800, 511",
    })
    void choosesLargestSizeAllowedByAlignmentAndLength(String name, String bitmap, String iova, String paddr,
            String size, String pgsize, long count) {
        PgsizeChoice c = PageSizes.iommuPgsize(bitmap(bitmap), Long.decode(iova), Long.decode(paddr),
                Long.decode(size));
        assertThat(c.pgsize()).as(name).isEqualTo(Long.decode(pgsize));
        assertThat(c.count()).as(name).isEqualTo(count);
    }

    private static long bitmap(String b) {
        return switch (b) {
            case "x86" -> X86_BITMAP;
            case "2m" -> SZ_4K | SZ_2M;
            case "mock" -> SZ_2K;
            case "mockhuge" -> SZ_2K | PageSizes.SZ_1M;
            default -> throw new IllegalArgumentException(b);
        };
    }

    /**
     * Jason Gunthorpe's "use check_add_overflow() in iommu_pgsize()" (docs/kernel/vfio-gup.md section 5, [S26]): with a
     * 2^63 page size the boundary sum wraps to 0 and, unchecked, would make count 2^51.
     */
    @org.junit.jupiter.api.Test
    void boundarySumOverflowDoesNotCutCount() {
        PgsizeChoice c = PageSizes.iommuPgsize(SZ_4K | (1L << 63), 0, 0, 2 * SZ_4K);
        assertThat(c).isEqualTo(new PgsizeChoice(SZ_4K, 2));
    }

    @org.junit.jupiter.api.Test
    void helpers() {
        assertThat(PageSizes.minPageSize(X86_BITMAP)).isEqualTo(SZ_4K);
        assertThat(PageSizes.describe(X86_BITMAP)).isEqualTo("4K|2M|1G");
        assertThat(PageSizes.wraps(-SZ_4K, SZ_4K)).isFalse();
        assertThat(PageSizes.wraps(-SZ_4K, 2 * SZ_4K)).isTrue();
        assertThat(PageSizes.describeSize(SZ_1G)).isEqualTo("1G");
    }
}
