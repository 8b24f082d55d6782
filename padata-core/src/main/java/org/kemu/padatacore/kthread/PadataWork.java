package org.kemu.padatacore.kthread;

import org.kemu.schedfair.Task;

/**
 * {@code struct padata_work} after patches 3 and 14: the helper's task, whether it has finished,
 * and the range of the chunk it failed in (a helper stops after its first failure, so one range
 * per work is enough). Fields other than {@code task} are guarded by the job's spinlock.
 */
final class PadataWork {
    final boolean mainThread;
    Task task;
    boolean finished;
    long errorStart;
    long errorEnd;
    /** Offset into the job of the failed chunk, the sort key of padata_undo. */
    long errorOffset;

    PadataWork(boolean mainThread) {
        this.mainThread = mainThread;
    }
}
