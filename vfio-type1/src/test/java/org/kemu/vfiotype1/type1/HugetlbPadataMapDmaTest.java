package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Costs;

/**
 * MAP_DMA of unfaulted 1 GiB hugetlb memory, where every padata helper's GUP faults the same huge page
 * (issue 17 defect 4). With 5.14's {@code hugetlb_fault_mutex_table} (mm/hugetlb.c {@code hugetlb_fault})
 * only the first faulter allocates; the others find the page mapped. So padata maps what serial maps,
 * and a failed padata MAP_DMA loses no reservation of another mapping.
 */
class HugetlbPadataMapDmaTest {
    private static final long GIB = PinFixture.GIB;

    static Stream<PinConfig> modes() {
        return Stream.of(PinConfig.serial(), PinConfig.folioBatched(), PinConfig.padata(16),
                PinConfig.padata(16).withMinChunkBytes(2L << 20), PinConfig.padata(4).withMinChunkBytes(2L << 20));
    }

    private static PinFixture fixture(PinConfig pin, long hugepages1g) {
        return new PinFixture(pin, Long.MAX_VALUE,
                MemoryConfig.ofBytesPerNode((hugepages1g + 1) * GIB).withBootHugepages(0, hugepages1g), Type1Costs.FREE);
    }

    @ParameterizedTest
    @MethodSource("modes")
    void mapsOneUnfaultedGigaPage(PinConfig pin) {
        PinFixture f = fixture(pin, 1);
        PhysicalMemory pm = f.sys.physicalMemory();
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long va = f.sys.addressSpaces().mmap(f.qemu, 0, GIB, VmaKind.HUGETLB_1G, true);
            f.c.mapDma(DmaMapRequest.rw(va, 0x1_0000_0000L, GIB));
            assertThat(f.iommu().dmas().entries()).hasSize(1);
            assertThat(pm.resvHugepages(MmConstants.PUD_ORDER)).isZero();
            assertThat(f.c.checkInvariants()).isEmpty();
            f.c.unmapDma(DmaUnmapRequest.all());
            f.sys.addressSpaces().munmap(f.qemu, va, GIB);
            assertThat(pm.freeHugepages(0, MmConstants.PUD_ORDER)).isEqualTo(1);
            assertThat(MmInvariants.checkHugetlbReservations(pm)).isEmpty();
        });
    }

    /** The map runs past the mapping into a hole: EFAULT, undone, and the idle mapping keeps its reservation. */
    @ParameterizedTest
    @MethodSource("modes")
    void failedMapKeepsAnotherMappingsReservation(PinConfig pin) {
        PinFixture f = fixture(pin, 3);
        PhysicalMemory pm = f.sys.physicalMemory();
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long idle = f.sys.addressSpaces().mmap(f.qemu, 0, GIB, VmaKind.HUGETLB_1G, true);
            long busy = f.sys.addressSpaces().mmap(f.qemu, 0, 2 * GIB, VmaKind.HUGETLB_1G, true);
            f.sys.addressSpaces().munmap(f.qemu, busy + GIB, GIB);
            assertThat(pm.resvHugepages(MmConstants.PUD_ORDER)).isEqualTo(2);
            assertThatThrownBy(() -> f.c.mapDma(DmaMapRequest.rw(busy, 0x1_0000_0000L, 2 * GIB)))
                    .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
            assertThat(f.iommu().dmas().entries()).isEmpty();
            assertThat(f.c.checkInvariants()).isEmpty();
            f.sys.addressSpaces().munmap(f.qemu, busy, GIB);
            assertThat(pm.freeHugepages(0, MmConstants.PUD_ORDER)).isEqualTo(3);
            assertThat(pm.resvHugepages(MmConstants.PUD_ORDER)).isEqualTo(1);
            assertThat(MmInvariants.checkHugetlbReservations(pm)).isEmpty();
            f.c.mapDma(DmaMapRequest.rw(idle, 0x1_0000_0000L, GIB));
            assertThat(pm.resvHugepages(MmConstants.PUD_ORDER)).isZero();
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }
}
