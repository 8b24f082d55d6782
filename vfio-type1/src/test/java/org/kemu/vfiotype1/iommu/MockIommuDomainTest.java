package org.kemu.vfiotype1.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kemu.vfiotype1.IommuDomainSpec.MOCK_APERTURE_START;
import static org.kemu.vfiotype1.IommuDomainSpec.MOCK_HUGE_PAGE_SIZE;
import static org.kemu.vfiotype1.IommuDomainSpec.MOCK_PAGE_SIZE;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.InKernel;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.IovaRange;

/** The iommufd selftest mock domain, docs/kernel/vfio-gup.md section 4.1 (drivers/iommu/iommufd/selftest.c). */
class MockIommuDomainTest {
    private static final long A = MOCK_APERTURE_START;

    @Test
    void geometryAndPageSize() {
        IommuDomainSpec s = IommuDomainSpec.mock("m");
        assertThat(s.pgsizeBitmap()).isEqualTo(2048);
        assertThat(s.aperture()).isEqualTo(new IovaRange(1L << 24, (1L << 31) - 1));
        assertThat(s.reservedRegions()).isEmpty();
        assertThat(IommuDomainSpec.mockHuge("h").pgsizeBitmap()).isEqualTo(2048 | (1 << 20));
    }

    /** Sub-CPU-page IO pages: 2 KiB granularity of IOVA and PA, one leaf per 2 KiB. */
    @Test
    void mapsAt2KGranularity() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.mock("m"));
        InKernel.run(k, () -> {
            d.map(A + 0x800, 0x1800, 3 * MOCK_PAGE_SIZE, IommuProt.RW);
            assertThat(d.pteCounts()).isEqualTo(Map.of(MOCK_PAGE_SIZE, 3L));
            assertThat(d.iovaToPhys(A + 0x1000 + 5)).isEqualTo(0x2005);
            try {
                d.map(A + 0x400, 0, MOCK_PAGE_SIZE, IommuProt.RW);
                throw new AssertionError("1 KiB-aligned map accepted");
            } catch (KernelException e) {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            }
            assertThat(d.unmap(A + 0x800, 3 * MOCK_PAGE_SIZE)).isEqualTo(3 * MOCK_PAGE_SIZE);
            assertThat(d.isEmpty()).isTrue();
            assertThat(d.warnings()).isEmpty();
        });
    }

    /** mock_domain_unmap_pages WARNs when an unmap does not begin on a map's START entry. */
    @Test
    void unmapNotStartingAtAMapsStartWarns() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.mock("m"));
        InKernel.run(k, () -> {
            d.map(A, 0, 8 * MOCK_PAGE_SIZE, IommuProt.RW);
            assertThat(d.unmap(A + 2 * MOCK_PAGE_SIZE, 2 * MOCK_PAGE_SIZE)).isEqualTo(2 * MOCK_PAGE_SIZE);
            assertThat(d.warnings()).singleElement().asString().contains("START");
            // the right-hand piece has no START mark any more, its LAST mark is kept
            assertThat(d.unmap(A + 4 * MOCK_PAGE_SIZE, 4 * MOCK_PAGE_SIZE)).isEqualTo(4 * MOCK_PAGE_SIZE);
            assertThat(d.warnings()).hasSize(2);
            assertThat(d.unmap(A, 2 * MOCK_PAGE_SIZE)).isEqualTo(2 * MOCK_PAGE_SIZE);
            assertThat(d.warnings()).hasSize(2);
            assertThat(d.isEmpty()).isTrue();
        });
    }

    /** A one-page unmap must end on a map's LAST entry. */
    @Test
    void onePageUnmapNotAtLastWarns() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.mock("m"));
        InKernel.run(k, () -> {
            d.map(A, 0, 2 * MOCK_PAGE_SIZE, IommuProt.RW);
            d.unmap(A, MOCK_PAGE_SIZE);
            assertThat(d.warnings()).singleElement().asString().contains("LAST");
        });
    }

    /** WARN_ON(!ent): missing entries are warned about and still counted as unmapped. */
    @Test
    void unmapOfHoleWarnsAndCountsIt() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.mock("m"));
        InKernel.run(k, () -> {
            d.map(A, 0, 2 * MOCK_PAGE_SIZE, IommuProt.RW);
            assertThat(d.unmap(A, 4 * MOCK_PAGE_SIZE)).isEqualTo(4 * MOCK_PAGE_SIZE);
            assertThat(d.warnings()).singleElement().asString().contains("WARN_ON(!ent) for 2 entries");
        });
    }

    /** WARN_ON(old): mapping over present entries overwrites them instead of failing. */
    @Test
    void overlappingMapWarnsAndOverwrites() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.mock("m"));
        InKernel.run(k, () -> {
            d.map(A, 0, 4 * MOCK_PAGE_SIZE, IommuProt.RW);
            d.map(A + 2 * MOCK_PAGE_SIZE, 0x100000, 4 * MOCK_PAGE_SIZE, IommuProt.RW);
            assertThat(d.warnings()).singleElement().asString().contains("WARN_ON(old)");
            assertThat(d.iovaToPhys(A + 2 * MOCK_PAGE_SIZE)).isEqualTo(0x100000);
            assertThat(d.mappedBytes()).isEqualTo(6 * MOCK_PAGE_SIZE);
        });
    }

    /** With huge pages 1 MiB leaves are used where aligned; the START/LAST check is off. */
    @Test
    void hugeMockUses1MLeavesAndAllowsSplitting() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.mockHuge("h"));
        InKernel.run(k, () -> {
            d.map(A, 2 * MOCK_HUGE_PAGE_SIZE, 2 * MOCK_HUGE_PAGE_SIZE, IommuProt.RW);
            assertThat(d.pteCounts()).isEqualTo(Map.of(MOCK_HUGE_PAGE_SIZE, 2L));
            // unmap in 16 pieces, as vfio_compat_mock_domain.huge_map does
            long piece = 2 * MOCK_HUGE_PAGE_SIZE / 16;
            for (int i = 15; i >= 0; i--) {
                assertThat(d.unmap(A + i * piece, piece)).isEqualTo(piece);
            }
            assertThat(d.isEmpty()).isTrue();
            assertThat(d.warnings()).isEmpty();
        });
    }

    /** The mock's own injection point at the start of map_pages returns ENOENT (docs/kernel/vfio-gup.md sections 4.1, 4.2). */
    @Test
    void failNthInMapPagesIsEnoent() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.mock("m"));
        InKernel.run(k, () -> {
            FailNth.arm(k.current(), 1);
            try {
                d.map(A, 0, MOCK_PAGE_SIZE, IommuProt.RW);
                throw new AssertionError("no failure");
            } catch (KernelException e) {
                assertThat(e.errno()).isEqualTo(Errno.ENOENT);
            }
            assertThat(FailNth.sites(k.current())).containsExactly(MockIommuDomain.FAIL_MAP_PAGES);
            assertThat(d.isEmpty()).isTrue();
            FailNth.disarm(k.current());
        });
    }
}
