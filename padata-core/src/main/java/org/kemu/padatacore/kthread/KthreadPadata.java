package org.kemu.padatacore.kthread;

import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.padatacore.PadataSizing;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.LockValidator;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * {@code padata_do_multithreaded()} as mainline has it (docs/kernel/padata.md section 2.2) with the additions
 * of the 2022 series (3.2), each behind a {@link PadataFeatures} switch. Helpers are kthreads created
 * per job (patch 9) or, with that switch off, workers of an unbound workqueue.
 */
public record KthreadPadata(Kernel kernel, PadataFeatures features, PadataCosts costs, PadataGlobals globals) implements Padata {
    /** The name patch 9 gives every helper kthread. */
    static final String HELPER_NAME = "padata";
    /** Mainline's helpers are system_unbound_wq workers. */
    static final String KWORKER_NAME = "kworker/u:padata";

    /** padata_mt_helper over this instance's switches and costs (stateless: one per call is fine). */
    private MtHelper helper() {
        return new MtHelper(kernel, features, costs);
    }

    @Override
    public PadataCosts costs() {
        return costs;
    }

    @Override
    public int worksInUse() {
        return globals.inuse();
    }

    @Override
    @SuppressWarnings("unchecked")
    public int doMultithreaded(PadataMtJob<?> anyJob) {
        PadataMtJob<Object> job = (PadataMtJob<Object>) anyJob;
        if (job.size() == 0) {
            return 0;
        }
        Task main = kernel.current();
        int nworks = threadRequest(job, main);
        if (nworks == 1) {
            // single thread, no coordination needed: cut to the chase
            int ret = job.threadFn().run(job.start(), job.end(), job.fnArg());
            return features.returnFirstError() ? ret : 0;
        }
        return runMultithreaded(job, main, nworks);
    }

    /**
     * The thread request: mainline's size/min_chunk/align rule and max_threads, then the caps of
     * patches 10 and 12, all before the single-thread shortcut; the online cap of patch 11 acts
     * later, when work items are allocated.
     */
    private int threadRequest(PadataMtJob<Object> job, Task main) {
        int nworks = PadataSizing.threadRequest(features.sizing(), job.size(), job.align(), job.minChunk(),
                job.maxThreads());
        if (features.followMainAffinity()) {
            nworks = Math.min(nworks, main.nrCpusAllowed());
        }
        if (features.capCfsBandwidth()) {
            CpuController cpu = kernel.cpuController();
            // computed once per job; patch 12: "Keep it simple, don't try to keep this value up to date"
            nworks = Math.min(nworks, cpu.maxCfsBandwidthCpus(cpu.cgroupOf(main)));
        }
        return nworks;
    }

    private int runMultithreaded(PadataMtJob<Object> job, Task main, int nworks) {
        if (costs.jobInitNs() > 0) {
            kernel.work(costs.jobInitNs());
        }
        LockValidator.LockMap map = features.lockdep() ? kernel.lockdep().lockMap(job.lockdepName()) : null;
        CpuCgroup group = features.remoteCharging() ? kernel.cpuController().cgroupOf(main) : null;
        MtJobState ps = new MtJobState(kernel.spinlock("padata_mt_job_state.lock"),
                kernel.completion("padata_mt_job_state.completion"), job, map,
                features.remoteCharging(), group);

        int helpers = globals.alloc(nworks - 1, features.capOnlineCpus(), costs.workAllocNs());
        for (int i = 0; i < helpers; i++) {
            ps.works.add(new PadataWork(false));
        }
        ps.nworks = helpers + 1;
        ps.main = main;
        ps.chunkSize = PadataSizing.chunkSize(features.sizing(), job.size(), ps.nworks, job.align(),
                job.minChunk());

        if (map != null) {
            // patch 4: teach lockdep that this task waits for everything the helpers hold the map over
            map.acquire();
            map.release();
        }
        for (PadataWork pw : ps.works) {
            startHelper(ps, pw, main, job.numaAware());
        }

        // the current task participates, which saves starting one more helper
        helper().run(ps, new PadataWork(true));
        waitForHelpers(ps, main);

        // a chunk's error or (signal-aware helpers) the main task's fatal signal: undo the completed chunks
        if ((ps.error != 0 && features.undo() || ps.interrupted) && job.undoFn() != null) {
            PadataUndo.undo(kernel, costs, ps);
        }
        globals.free(helpers, features.capOnlineCpus());
        if (features.returnFirstError() && ps.error != 0) {
            return ps.error;
        }
        return ps.interrupted ? -Errno.EINTR.value() : 0;
    }

    private void startHelper(MtJobState ps, PadataWork pw, Task main, boolean numaAware) {
        CpuMask mask = features.kthreadHelpers() && features.followMainAffinity() ? main.affinity() : null;
        if (numaAware) {
            int nid = globals.nextNode();
            if (features.numaBindHelpers()) {
                CpuMask node = kernel.topology().cpusOfNode(nid).and(kernel.onlineMask());
                mask = mask == null ? node : (mask.intersects(node) ? mask.and(node) : mask);
            }
        }
        if (!features.kthreadHelpers()) {
            if (costs.queueWorkNs() > 0) {
                kernel.work(costs.queueWorkNs());
            }
            pw.task = kernel.spawn(TaskSpec.kthread(KWORKER_NAME).withAffinity(mask), () -> helper().run(ps, pw));
            return;
        }
        if (FailNth.shouldFail(kernel, "padata:kthread_create")) {
            // patch 9: one thread fewer; patch 14: the work counts as finished
            ps.lock.lock();
            ps.nworks--;
            pw.finished = true;
            ps.lock.unlock();
            return;
        }
        Task t = kernel.kthreadCreate(HELPER_NAME, () -> helper().run(ps, pw));
        pw.task = t;
        if (mask != null) {
            kernel.kthreadBindMask(t, mask);
        }
        if (features.helpersMaxNice()) {
            kernel.setUserNice(t, Nice.MAX_NICE);
        }
        if (costs.helperStartNs() > 0) {
            kernel.work(costs.helperStartNs());
        }
        kernel.wakeUpProcess(t);
    }

    /**
     * Mainline waits once for the last finisher. Patch 14 instead walks the unfinished helpers and
     * lends each in turn the main task's nice, waiting for it: under load exactly one thread of the
     * job runs at the main thread's priority.
     */
    private void waitForHelpers(MtJobState ps, Task main) {
        if (!features.reniceOneByOne()) {
            ps.completion.waitForCompletion();
            return;
        }
        for (PadataWork pw : ps.works) {
            ps.lock.lock();
            if (pw.finished) {
                ps.lock.unlock();
                continue;
            }
            ps.nicedTask = pw.task;
            ps.lock.unlock();
            if (features.kthreadHelpers()) {
                kernel.setUserNice(pw.task, main.nice());
            }
            ps.completion.waitForCompletion();
        }
    }
}
