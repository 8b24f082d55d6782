package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.VmaKind;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Stats;

/**
 * {@link Type1Stats#runsByPages()}: every run {@code vfio_pin_pages_remote()} returns to
 * {@code vfio_pin_map_dma()} is counted once by its size, so the histogram adds up to the runs and
 * to the pages pinned.
 */
class RunSizeHistogramTest {
    private static final long MIB = 1L << 20;

    @Test
    void everyRunIsCountedOnceBySize() {
        PinFixture f = new PinFixture(PinConfig.serial());
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 8 * MIB, VmaKind.ANON, true);
            long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.HUGETLB_2M, true);
            f.c.mapDma(DmaMapRequest.rw(anon, 0x1000_0000L, 8 * MIB));
            f.c.mapDma(DmaMapRequest.rw(huge, 0x2000_0000L, 16 * MIB));
            Type1Stats s = f.c.stats();
            Map<Long, Long> h = s.runsByPages();
            assertThat(h).isNotEmpty();
            // run sizes up to 2048 pages are exact in a 3-digit HdrHistogram, and no run here is larger
            // than the 4096 pages of the hugetlb call: their sum is every pinned page
            assertThat(h.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(s.runs());
            assertThat(h.keySet()).allSatisfy(pages -> assertThat(pages).isBetween(1L, 4096L));
            // a bucket's lowest value is at most 3 pages below a run of 2048-4096 pages (resolution 2-4 there)
            long over = h.entrySet().stream().filter(e -> e.getKey() >= 2048).mapToLong(Map.Entry::getValue).sum();
            assertThat(h.entrySet().stream().mapToLong(e -> e.getKey() * e.getValue()).sum())
                    .isBetween(s.pagesPinned() - 3 * over, s.pagesPinned());
        });
    }
}
