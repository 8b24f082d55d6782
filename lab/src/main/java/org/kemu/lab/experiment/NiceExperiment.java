package org.kemu.lab.experiment;

import java.util.ArrayList;
import java.util.List;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.workload.PadataTest;
import org.kemu.lab.workload.StressCpu;
import org.kemu.lab.workload.Usemem;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.padatacore.PadataFactory;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1ContainerFactory;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;

/**
 * Patches 13 and 14's priority experiments: a padata job (padata_test, or padata_vfio: a VFIO pin)
 * and a competing load (stress-ng CPU workers, or usemem) on the same 8 CPUs, every test task
 * allowed on all 8; the runtime of each, from its start to its last task's exit.
 */
public final class NiceExperiment {
    /** The job's helpers' priority settings of one row. */
    public enum Nicing {
        /** Helpers at the main thread's nice (patch 13's "before", patch 14's "without nicing"). */
        NORMAL,
        /** Patch 13: helpers at MAX_NICE, never reniced. */
        MAX_NICE,
        /** Patch 14: helpers at MAX_NICE, the waiting main thread renices them one by one. */
        ONE_BY_ONE
    }

    /** One run: whether the job and the load run, the job's threads and nicing. */
    public record Run(boolean job, boolean load, int threads, Nicing nicing) {
    }

    /** The two runtimes of a run, in ns of virtual time; -1 for a load that did not run. */
    public record Runtimes(long jobNs, long loadNs) {
    }

    /**
     * What runs: the CPU case (a) or the memory case (b), with every size in it.
     *
     * @param loadFirst the competing load starts before the job (patch 14) or after it (patch 13)
     * @param loadThreads stress-ng workers or usemem threads
     * @param jobWorkNs case (a): padata_test's total CPU work; case (b) unused
     * @param loadWorkNs case (a): one stress-ng worker's CPU work (ops x ns per op)
     * @param guestBytes case (b): the guest RAM padata_vfio pins
     * @param loadBytes case (b): one usemem thread's THP memory
     */
    public record Setup(boolean memory, boolean loadFirst, int loadThreads, long jobWorkNs, long loadWorkNs,
            long guestBytes, long loadBytes) {
    }

    /** The 8 CPUs under test: cores 0-7 of node 0, one SMT thread each (docs/experiments.md). */
    public static final CpuMask TEST_CPUS = CpuMask.first(8);
    /** Delay between the first load's start and the second's: "started after" in the setups. */
    static final long START_GAP_NS = 1_000_000;
    private static final long TGID_JOB = 10;
    private static final long TGID_LOAD = 20;

    private NiceExperiment() {
    }

    public static Runtimes run(MachineProfile profile, long seed, Setup s, Run r) {
        PadataFeatures f = PadataFeatures.rfc2022().withHelpersMaxNice(r.nicing() != Nicing.NORMAL)
                .withReniceOneByOne(r.nicing() == Nicing.ONE_BY_ONE);
        LabConfig c = LabConfig.of(seed, PinConfig.padata(r.threads()).withLockCachePages(PinConfig.LOCKED_VM_CACHE_PAGES))
                .withPadataFeatures(f);
        Lab lab = Lab.boot(profile, c, MemoryConfig.defaults());
        Kernel k = lab.kernel();
        long[] start = {-1, -1};
        long[] end = {-1, -1};
        CpuMask others = k.topology().allCpus().andNot(TEST_CPUS);
        // the launcher and the watchers run off the 8 test CPUs: they only spawn and join
        k.spawn(TaskSpec.user("launcher", 1).withAffinity(others), () -> {
            List<Runnable> order = new ArrayList<>();
            if (r.job()) {
                order.add(() -> watch(k, others, 0, start, end, List.of(spawnJob(lab, s, r.threads()))));
            }
            if (r.load()) {
                Runnable load = () -> watch(k, others, 1, start, end, spawnLoad(lab, s));
                if (s.loadFirst()) {
                    order.add(0, load);
                } else {
                    order.add(load);
                }
            }
            for (int i = 0; i < order.size(); i++) {
                if (i > 0) {
                    k.sleep(START_GAP_NS);
                }
                order.get(i).run();
            }
        });
        k.run();
        return new Runtimes(r.job() ? end[0] - start[0] : -1, r.load() ? end[1] - start[1] : -1);
    }

    private static void watch(Kernel k, CpuMask cpus, int which, long[] start, long[] end, List<Task> tasks) {
        start[which] = k.now();
        k.spawn(TaskSpec.user("watch#" + which, 1).withAffinity(cpus), () -> {
            tasks.forEach(k::join);
            end[which] = k.now();
        });
    }

    private static Task spawnJob(Lab lab, Setup s, int threads) {
        Kernel k = lab.kernel();
        if (!s.memory()) {
            // padata_test: tight integer multiplies, 1 us units, at most `threads` threads
            long units = s.jobWorkNs() / 1000;
            return PadataTest.spawn(k, lab.get(PadataFactory.class).forKernel(k),
                    TaskSpec.kthread("padata_test").withAffinity(TEST_CPUS), units, 1000, threads);
        }
        // padata_vfio: one MAP_DMA of an unfaulted THP guest, the pin path multithreaded by padata
        AddressSpaces mmOps = lab.get(AddressSpaces.class);
        MmStruct mm = mmOps.mmCreate("padata_vfio", Long.MAX_VALUE, false);
        return k.spawn(TaskSpec.user("padata_vfio", TGID_JOB).withAffinity(TEST_CPUS), () -> {
            long va = mmOps.mmap(mm, 0, s.guestBytes(), VmaKind.ANON_THP, true);
            Type1Container c = lab.get(Type1ContainerFactory.class).open(k, lab.get(MmGup.class),
                    lab.get(PadataFactory.class).forKernel(k), lab.get(Type1Params.class), lab.get(PinConfig.class),
                    lab.get(Type1Costs.class));
            c.attachDomain(lab.get(IommuDomainSpec.class));
            c.mapDma(DmaMapRequest.rw(va, 1L << 32, s.guestBytes()));
        }, t -> t.attach(MmStruct.class, mm));
    }

    private static List<Task> spawnLoad(Lab lab, Setup s) {
        Kernel k = lab.kernel();
        if (!s.memory()) {
            return StressCpu.spawn(k, TaskSpec.user("stress-ng-cpu", TGID_LOAD).withAffinity(TEST_CPUS),
                    s.loadThreads(), s.loadWorkNs());
        }
        return Usemem.spawn(k, lab.get(AddressSpaces.class), TaskSpec.user("usemem", TGID_LOAD).withAffinity(TEST_CPUS),
                s.loadThreads(), s.loadBytes(), 4096, true);
    }
}
