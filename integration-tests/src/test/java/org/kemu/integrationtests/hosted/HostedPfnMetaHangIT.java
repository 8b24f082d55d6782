package org.kemu.integrationtests.hosted;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;

/**
 * Issue 17 defect 2, as filed: a hosted padata MAP_DMA (4 threads, 2 MiB min chunk, folio-batched
 * GUP, lock cache of 64 pages, batch capacity 8) of 64 MiB of anonymous memory, then UNMAP_ALL, in a
 * loop, hung twice with two tasks spinning on {@code mm-gup:pfn-meta} and no watchdog report. Here
 * every iteration must finish with the invariants intact, and if a run ever stops making progress
 * the hosted watchdog (spinners count as stuck) or the wall time limit must end it with a report
 * rather than hang the build. The iteration count is system property {@code kemu.pfnmeta.iterations}
 * (default 100 per seed; the investigation ran 300 per seed on 4 seeds).
 */
class HostedPfnMetaHangIT {
    private static final long MIB = 1L << 20;
    private static final int ITERATIONS = Integer.getInteger("kemu.pfnmeta.iterations", 100);

    static PinConfig defect2() {
        return PinConfig.padata(4).withMinChunkBytes(2 * MIB).withGup(GupFlavour.FOLIO_BATCHED)
                .withLockCachePages(64).withBatchCapacity(8);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void loopingPadataMapAndUnmapAllOfAnonMemoryNeitherHangsNorBreaksAnInvariant(long seed) {
        Kernel k = Kernels.hosted(KernelConfig.of(MachineSpec.simple(4), seed)
                .withWallTimeLimitNs(TimeUnit.MINUTES.toNanos(5)));
        MmGup sys = MmGup.create(k, MemoryConfig.ofBytesPerNode(1L << 30));
        MmStruct qemu = sys.addressSpaces().mmCreate("qemu", Long.MAX_VALUE, false);
        Type1Container c = Type1Container.open(k, sys, null, Type1Params.defaults(), defect2(), Type1Costs.FREE);
        List<String> problems = new ArrayList<>();
        int[] done = {0};
        k.spawn(TaskSpec.user("qemu", 1), () -> {
            c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = sys.addressSpaces().mmap(qemu, 0, 64 * MIB, VmaKind.ANON, true);
            for (int i = 0; i < ITERATIONS && problems.isEmpty(); i++) {
                c.mapDma(DmaMapRequest.rw(anon, 0x1000_0000L, 64 * MIB));
                problems.addAll(c.checkInvariants());
                c.unmapDma(DmaUnmapRequest.all());
                problems.addAll(c.checkInvariants());
                problems.addAll(MmInvariants.checkPinsBalanced(sys.physicalMemory()));
                if (qemu.lockedVm() != 0 || sys.physicalMemory().pinnedPages() != 0) {
                    problems.add("iteration " + i + " left locked_vm " + qemu.lockedVm() + ", pinned "
                            + sys.physicalMemory().pinnedPages());
                }
                done[0]++;
            }
        }).attach(MmStruct.class, qemu);
        k.run();
        assertThat(problems).isEmpty();
        assertThat(done[0]).isEqualTo(ITERATIONS);
    }
}
