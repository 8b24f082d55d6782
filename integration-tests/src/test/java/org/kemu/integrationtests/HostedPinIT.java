package org.kemu.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
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
import org.kemu.vfiotype1.PinLocking;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.lab.workload.UserSpaceMapDma;
import org.kemu.mmgup.GupFlavour;

/**
 * docs/design.md section 2, "Hosted": the same emulated kernel code on real threads, so the emulated
 * data structures are protected only by the emulated kernel's own locks. Multithreaded pinning
 * (padata helpers, and user tasks issuing MAP_DMA at once) on the hosted backend must leave the
 * invariants intact: IOMMU page table = DMA tree, pins balanced, locked_vm = charges, and nothing
 * left after the unmap.
 */
class HostedPinIT {
    private static final long MIB = 1L << 20;

    static Stream<PinConfig> concurrentModes() {
        return Stream.of(PinConfig.padata(4).withMinChunkBytes(2 * MIB),
                PinConfig.serial().withPadataThreads(4).withMinChunkBytes(2 * MIB).withGup(GupFlavour.FOLIO_BATCHED),
                PinConfig.padata(4).withMinChunkBytes(2 * MIB).withLockCachePages(64),
                // the 2018 ktask stages: locked_vm charged by atomics alone, and the read lock held per run
                PinConfig.padata(4).withMinChunkBytes(2 * MIB).withLockCachePages(0).withLocking(PinLocking.ATOMIC_LOCKED_VM),
                PinConfig.padata(4).withMinChunkBytes(2 * MIB).withLockCachePages(64)
                        .withLocking(PinLocking.ATOMIC_LOCKED_VM_READ_HELD));
    }

    @ParameterizedTest
    @MethodSource("concurrentModes")
    void padataPinningOnRealThreadsKeepsTheInvariants(PinConfig pin) {
        for (int round = 0; round < 5; round++) {
            List<String> problems = mapAndUnmap(pin, null);
            assertThat(problems).as("round %d", round).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("userModes")
    void userTasksMappingAtOnceOnRealThreadsKeepTheInvariants(UserSpaceMapDma mode) {
        for (int round = 0; round < 5; round++) {
            assertThat(mapAndUnmap(PinConfig.serial(), mode)).as("round %d", round).isEmpty();
        }
    }

    static Stream<UserSpaceMapDma> userModes() {
        return Stream.of(new UserSpaceMapDma(4, false), new UserSpaceMapDma(4, true));
    }

    /** Maps 48 MiB of anonymous and 32 MiB of hugetlb memory, checks, unmaps, checks; returns problems. */
    private static List<String> mapAndUnmap(PinConfig pin, UserSpaceMapDma userMode) {
        Kernel k = Kernels.hosted(KernelConfig.of(MachineSpec.simple(4), 1));
        MmGup sys = MmGup.create(k, MemoryConfig.ofBytesPerNode(1L << 30).withBootHugepages(32, 0));
        MmStruct qemu = sys.addressSpaces().mmCreate("qemu", Long.MAX_VALUE, false);
        Type1Container c = Type1Container.open(k, sys, null, Type1Params.defaults(), pin, Type1Costs.FREE);
        List<String> problems = new ArrayList<>();
        k.spawn(TaskSpec.user("qemu", 1), () -> {
            c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = sys.addressSpaces().mmap(qemu, 0, 48 * MIB, VmaKind.ANON, true);
            long huge = sys.addressSpaces().mmap(qemu, 0, 32 * MIB, VmaKind.HUGETLB_2M, true);
            if (userMode == null) {
                c.mapDma(DmaMapRequest.rw(anon, 0x1000_0000L, 48 * MIB));
                c.mapDma(DmaMapRequest.rw(huge, 0x4000_0000L, 32 * MIB));
            } else {
                userMode.mapDma(k, c, DmaMapRequest.rw(anon, 0x1000_0000L, 48 * MIB), MmConstants.PAGE_SIZE);
                userMode.mapDma(k, c, DmaMapRequest.rw(huge, 0x4000_0000L, 32 * MIB), MmConstants.PAGE_SIZE);
            }
            problems.addAll(c.checkInvariants());
            problems.addAll(MmInvariants.checkPinsBalanced(sys.physicalMemory()));
            if (qemu.lockedVm() != (80 * MIB) >>> MmConstants.PAGE_SHIFT) {
                problems.add("locked_vm " + qemu.lockedVm() + " after mapping 80 MiB");
            }
            c.unmapDma(DmaUnmapRequest.all());
            problems.addAll(c.checkInvariants());
            if (qemu.lockedVm() != 0 || sys.physicalMemory().pinnedPages() != 0) {
                problems.add("left behind: locked_vm " + qemu.lockedVm() + ", pinned "
                        + sys.physicalMemory().pinnedPages());
            }
        }).attach(MmStruct.class, qemu);
        k.run();
        return problems;
    }
}
