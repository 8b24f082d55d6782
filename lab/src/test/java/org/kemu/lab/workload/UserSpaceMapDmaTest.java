package org.kemu.lab.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;

/**
 * The review's user-space alternative (docs/kernel/padata.md section 5.2): N qemu threads each MAP_DMA a slice. With
 * type1 as it is the container mutex serialises them; pinning outside the mutex lets them overlap.
 * Both must give a correct container, and a request vfio_dma_do_map() refuses whole maps nothing.
 */
class UserSpaceMapDmaTest {
    static final long MIB = 1L << 20;

    private final MmFixture f = new MmFixture(Kernels.simulated(KernelConfig.of(MachineSpec.simple(8), 1)),
            MemoryConfig.ofBytesPerNode(1L << 30).withBootHugepages(32, 0), GupFlavour.PER_PAGE, GupCosts.defaults());
    private final Kernel k = f.kernel;
    private final MmGup sys = f.sys;
    private final MmStruct qemu = sys.addressSpaces().mmCreate("qemu", Long.MAX_VALUE, false);
    private final Type1Container c = Type1Container.open(k, sys, null, Type1Params.defaults(), PinConfig.serial(),
            Type1Costs.placeholder());

    private void run(Runnable body) {
        f.run(qemu, body::run);
    }

    private static long[] mapWith(boolean outside) {
        UserSpaceMapDmaTest t = new UserSpaceMapDmaTest();
        long[] out = new long[2];
        UserSpaceMapDma four = new UserSpaceMapDma(4, outside);
        t.run(() -> {
            IommuDomain d = t.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long huge = t.sys.addressSpaces().mmap(t.qemu, 0, 32 * MIB, VmaKind.HUGETLB_2M, true);
            long anon = t.sys.addressSpaces().mmap(t.qemu, 0, 32 * MIB, VmaKind.ANON, true);
            long t0 = t.k.now();
            four.mapDma(t.k, t.c, DmaMapRequest.rw(huge, 0x4000_0000L, 32 * MIB), 4096);
            four.mapDma(t.k, t.c, DmaMapRequest.rw(anon, 0x8000_0000L, 32 * MIB), 4096);
            out[0] = t.k.now() - t0;
            assertThat(t.c.getInfo(1 << 10).dmaAvail()).isEqualTo(65535 - 8);
            assertThat(d.mappedBytes()).isEqualTo(64 * MIB);
            assertThat(t.qemu.lockedVm()).isEqualTo(64 * MIB / 4096);
            assertThat(t.c.checkInvariants()).isEmpty();
            out[1] = t.c.stats().containerMutex().contentions();
            assertThat(t.c.unmapDma(DmaUnmapRequest.all())).isEqualTo(64 * MIB);
            assertThat(t.c.checkInvariants()).isEmpty();
            assertThat(t.sys.physicalMemory().pinnedPages()).isZero();
        });
        return out;
    }

    @Test
    void bothVariantsAreCorrectAndPinningOutsideTheMutexOverlaps() {
        long[] serialised = mapWith(false);
        long[] outside = mapWith(true);
        assertThat(serialised[1]).isPositive();
        assertThat(outside[0]).isLessThan(serialised[0]);
    }

    /**
     * Issue 17 defect 7: vfio_dma_do_map() checks the whole request (size 0 is EINVAL, a range that
     * wraps EOVERFLOW with the 2025 checks), so splitting it must not map any slice of a request the
     * kernel refuses whole.
     */
    @Test
    void aRequestRefusedWholeMapsNoSlice() {
        run(() -> {
            IommuDomain d = c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = sys.addressSpaces().mmap(qemu, 0, 16 * MIB, VmaKind.ANON, true);
            UserSpaceMapDma four = new UserSpaceMapDma(4, false);
            expect(() -> four.mapDma(k, c, DmaMapRequest.rw(anon, 0x4000_0000L, 0), 4096), Errno.EINVAL,
                    "vfio_dma_do_map:size_zero");
            expect(() -> four.mapDma(k, c, DmaMapRequest.rw(anon, 0x4000_0000L, 0xfffffffffffff000L), 4096),
                    Errno.EOVERFLOW, "vfio_dma_do_map:overflow");
            expect(() -> four.mapDma(k, c, DmaMapRequest.rw(anon, 0xffffffffff800000L, 16 * MIB), 4096),
                    Errno.EOVERFLOW, "vfio_dma_do_map:overflow");
            assertThat(d.mappedBytes()).isZero();
            assertThat(c.getInfo(1 << 10).dmaAvail()).isEqualTo(65535);
            assertThat(qemu.lockedVm()).isZero();
            assertThat(c.checkInvariants()).isEmpty();
        });
    }

    private static void expect(Runnable call, Errno errno, String check) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(KernelException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.check()).isEqualTo(check);
        });
    }
}
