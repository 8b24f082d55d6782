package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.VmaKind;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.PinConfig;

/**
 * The outside-mutex MAP_DMA variant (the review's user-space alternative made cheaper, docs/kernel/padata.md
 * 5.2): correct on its own, and while a map is in flight its IOVA range is taken.
 */
class PinOutsideMutexTest {
    static final long MIB = PinFixture.MIB;

    @Test
    void mapsAndUnmapsLikeMapDma() {
        PinFixture f = new PinFixture(PinConfig.serial());
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 8 * MIB, VmaKind.ANON, true);
            f.c.mapDmaPinOutsideMutex(DmaMapRequest.rw(anon, 0x1000_0000L, 8 * MIB));
            assertThat(f.iommu().inFlightMaps()).isZero();
            assertThat(f.qemu.lockedVm()).isEqualTo(8 * MIB / 4096);
            assertThat(f.c.checkInvariants()).isEmpty();
            assertThat(f.c.unmapDma(DmaUnmapRequest.all())).isEqualTo(8 * MIB);
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }

    /** While a slice is being pinned outside the mutex its IOVA range is taken: an overlapping map is EEXIST. */
    @Test
    void inFlightRangeIsReserved() {
        PinFixture f = new PinFixture(PinConfig.serial());
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 8 * MIB, VmaKind.ANON, true);
            var dma = new VfioDma(0x1000_0000L, anon, IommuProt.RW, false, 1);
            dma.setInFlightSize(8 * MIB);
            f.iommu().dmas().link(dma);
            assertThat(f.iommu().dmas().find(0x1000_0000L + 4 * MIB, 4096)).isSameAs(dma);
            f.iommu().dmas().unlink(dma);
        });
    }
}
