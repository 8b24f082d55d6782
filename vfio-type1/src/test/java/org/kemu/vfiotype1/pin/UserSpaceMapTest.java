package org.kemu.vfiotype1.pin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.VmaKind;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.UserMapMode;

/**
 * The review's user-space alternative (padata.md 5.2): N qemu threads each MAP_DMA a slice. With
 * type1 as it is the container mutex serialises them; pinning outside the mutex lets them overlap.
 * Both must give a correct container.
 */
class UserSpaceMapTest {
    static final long MIB = PinFixture.MIB;

    private long[] mapWith(UserMapMode mode) {
        PinFixture f = new PinFixture(PinConfig.serial(), Long.MAX_VALUE,
                MemoryConfig.ofBytesPerNode(PinFixture.GIB).withBootHugepages(32, 0), Type1Costs.placeholder());
        long[] out = new long[4];
        f.run(() -> {
            IommuDomain d = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 32 * MIB, VmaKind.HUGETLB_2M, true);
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 32 * MIB, VmaKind.ANON, true);
            long t0 = f.k.now();
            f.c.mapDmaFromTasks(DmaMapRequest.rw(huge, 0x4000_0000L, 32 * MIB), 4, mode);
            f.c.mapDmaFromTasks(DmaMapRequest.rw(anon, 0x8000_0000L, 32 * MIB), 4, mode);
            out[0] = f.k.now() - t0;
            assertThat(f.c.iommu().dmas().count()).isEqualTo(8);
            assertThat(d.mappedBytes()).isEqualTo(64 * MIB);
            assertThat(f.qemu.lockedVm()).isEqualTo(64 * MIB / 4096);
            assertThat(f.c.checkInvariants()).isEmpty();
            out[1] = f.c.stats().containerMutex().contentions();
            assertThat(f.c.unmapDma(DmaUnmapRequest.all())).isEqualTo(64 * MIB);
            assertThat(f.c.checkInvariants()).isEmpty();
            assertThat(f.sys.physicalMemory().pinnedPages()).isZero();
        });
        return out;
    }

    @Test
    void bothVariantsAreCorrectAndPinningOutsideTheMutexOverlaps() {
        long[] serialised = mapWith(UserMapMode.CONTAINER_MUTEX);
        long[] outside = mapWith(UserMapMode.PIN_OUTSIDE_MUTEX);
        assertThat(serialised[1]).isPositive();
        assertThat(outside[0]).isLessThan(serialised[0]);
    }

    /** While a slice is being pinned outside the mutex its IOVA range is taken: an overlapping map is EEXIST. */
    @Test
    void inFlightRangeIsReserved() {
        PinFixture f = new PinFixture(PinConfig.serial());
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 8 * MIB, VmaKind.ANON, true);
            var dma = new org.kemu.vfiotype1.type1.VfioDma(0x1000_0000L, anon, org.kemu.vfiotype1.IommuProt.RW,
                    false, 1);
            dma.setInFlightSize(8 * MIB);
            f.c.iommu().dmas().link(dma);
            assertThat(f.c.iommu().dmas().find(0x1000_0000L + 4 * MIB, 4096)).isSameAs(dma);
            f.c.iommu().dmas().unlink(dma);
        });
    }
}
