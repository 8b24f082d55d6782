package org.kemu.padatacore.kthread;

import java.util.Comparator;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.schedfair.Kernel;

/**
 * {@code padata_undo()} of patch 3: after every helper has finished, walk from {@code job->start}
 * to {@code ps->position} (everything ever handed out) in the main task, undoing each completed
 * stretch between failed chunks and skipping the failed chunks, whose cleanup is the thread
 * function's own job.
 */
final class PadataUndo {
    private PadataUndo() {
    }

    static void undo(Kernel kernel, PadataCosts costs, MtJobState ps) {
        PadataMtJob<Object> job = ps.job;
        if (costs.undoPerFailedWorkNs() > 0) {
            kernel.work(costs.undoPerFailedWorkNs() * ps.failedWorks.size());
        }
        ps.failedWorks.sort(Comparator.comparingLong(w -> w.errorOffset));
        long pos = job.start();
        for (PadataWork failed : ps.failedWorks) {
            if (failed.errorStart > pos) {
                job.undoFn().undo(pos, failed.errorStart, job.fnArg());
            }
            pos = failed.errorEnd;
        }
        if (pos < ps.position) {
            job.undoFn().undo(pos, ps.position, job.fnArg());
        }
    }
}
