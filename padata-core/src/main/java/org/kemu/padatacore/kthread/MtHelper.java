package org.kemu.padatacore.kthread;

import java.util.Map;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.padatacore.PadataSizing;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskMemory;

/**
 * {@code padata_mt_helper()}: what every thread of a job runs, the main thread included. Chunks are
 * handed out first come, first served from the shared cursor under the job's spinlock, which is
 * the load balancing; since patch 2 no thread takes a new chunk once an error is recorded.
 */
record MtHelper(Kernel kernel, PadataFeatures features, PadataCosts costs) {
    void run(MtJobState ps, PadataWork pw) {
        PadataMtJob<Object> job = ps.job;
        Task me = kernel.current();
        // patch 15: the main thread runs in its own group already; only helpers are charged remotely
        boolean remote = ps.remoteCharging && !pw.mainThread;
        if (remote) {
            kernel.cpuController().remoteBegin(me, ps.cpuGroup);
        }
        // the RFC's memory TODOs: a helper takes on the main task's memory fields for the job
        TaskMemory own = me.attachment(TaskMemory.class);
        boolean adopt = !pw.mainThread && (features.activeMemcg() || features.followMainMems());
        if (adopt) {
            TaskMemory.set(me, HelperMemory.adopt(features, me, ps.main));
        }
        try {
            runChunks(ps, pw, job, me, remote);
        } finally {
            if (adopt) {
                TaskMemory.set(me, own);
            }
        }
    }

    private void runChunks(MtJobState ps, PadataWork pw, PadataMtJob<Object> job, Task me, boolean remote) {
        ps.lock.lock();
        while (ps.remaining > 0 && (!features.returnFirstError() || ps.error == 0)) {
            if (features.signalAwareHelpers() && ps.main.fatalSignalPending()) {
                // the RFC's TODO: a fatal signal to the main thread starts no new chunk
                ps.interrupted = true;
                break;
            }
            if (costs.chunkClaimNs() > 0) {
                kernel.work(costs.chunkClaimNs());
            }
            long start = ps.position;
            long size = PadataSizing.nextChunkSize(start, ps.remaining, ps.chunkSize);
            long end = start + size;
            ps.position = end;
            ps.remaining -= size;
            ps.lock.unlock();

            if (ps.lockMap != null) {
                ps.lockMap.acquire();
            }
            boolean traced = kernel.tracer().enabled();
            long traceStart = traced ? kernel.now() : 0;
            int ret = job.threadFn().run(start, end, job.fnArg());
            if (traced) {
                kernel.tracer().span("padata", "chunk", traceStart, Map.of("start", start, "end", end, "ret", ret));
            }
            if (ps.lockMap != null) {
                ps.lockMap.release();
            }
            if (remote) {
                kernel.cpuController().remoteCharge(me, ps.cpuGroup);
            }

            ps.lock.lock();
            if (ret != 0 && features.returnFirstError()) {
                if (ps.error == 0) {
                    ps.error = ret;
                }
                if ((features.undo() || features.signalAwareHelpers()) && job.undoFn() != null) {
                    pw.errorStart = start;
                    pw.errorEnd = end;
                    pw.errorOffset = start - job.start();
                    ps.failedWorks.add(pw);
                }
                break;
            }
        }
        boolean signal;
        if (features.reniceOneByOne()) {
            pw.finished = true;
            // patch 14: only the helper the main thread waits for wakes it
            signal = !pw.mainThread && ps.nicedTask == me;
        } else {
            ps.nworksFini++;
            signal = ps.nworksFini == ps.nworks;
        }
        ps.lock.unlock();
        if (signal) {
            ps.completion.complete();
        }
    }
}
