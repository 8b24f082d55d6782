package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.mmgup.VmaKind;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;

/**
 * {@code vfio_iommu_replay()} (v5.14) copies each dma into a newly attached domain, walking that
 * dma's own IOVA range. Two dmas adjacent in IOVA and in physical memory (qemu's user-space
 * slices of one region, or two MAP_DMAs of neighbouring memory) show as one run in the first
 * domain; replaying the whole run for each dma mapped it twice (EEXIST map_pages:pte_present),
 * found by the adversarial random sequence (RandomType1OpsIT, user-threads / THP).
 */
class ReplayTest {
    static final long MIB = PinFixture.MIB;

    @ParameterizedTest
    @MethodSource("org.kemu.vfiotype1.type1.PinModes#all")
    void adjacentDmasWhosePagesAreContiguousReplayIntoANewDomainOnce(PinConfig pin) {
        PinFixture f = new PinFixture(pin);
        f.run(() -> {
            IommuDomain first = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 8 * MIB, VmaKind.HUGETLB_2M, true);
            // The pool is LIFO (enqueue_huge_page to the head): faulting the 2 MiB pages from the top
            // down gives ascending pfns in address order, so the memory is physically contiguous.
            for (long off = 6 * MIB; off >= 0; off -= 2 * MIB) {
                f.sys.addressSpaces().populate(f.qemu, huge + off, 2 * MIB, true);
            }
            f.c.mapDma(DmaMapRequest.rw(huge, 0x4000_0000L, 4 * MIB));
            f.c.mapDma(DmaMapRequest.rw(huge + 4 * MIB, 0x4000_0000L + 4 * MIB, 4 * MIB));
            // the precondition: the first domain shows the two dmas as one physically contiguous run
            assertThat(first.mappings(0x4000_0000L, 0x4000_0000L + 8 * MIB - 1)).hasSize(1);

            IommuDomain second = f.c.attachDomain(IommuDomainSpec.vtd("vtd1"));

            assertThat(second.mappings()).isEqualTo(first.mappings());
            assertThat(f.c.checkInvariants()).isEmpty();
            f.c.unmapDma(DmaUnmapRequest.all());
            assertThat(second.mappings()).isEmpty();
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }
}
