package org.kemu.padatacore;

/**
 * Multithreaded jobs of one emulated kernel ({@code padata_do_multithreaded}). One instance per
 * kernel holds that kernel's padata globals (the work pool, {@code padata_works_inuse},
 * {@code last_used_nid}); get it from {@link PadataFactory}.
 */
public interface Padata {

    /**
     * Runs {@code job} from the current task (the job's main thread) and returns 0 or the first
     * error a {@code thread_fn} call returned. With undo enabled, every chunk that completed has
     * been undone when an error is returned. Must be called from inside an emulated task.
     */
    int doMultithreaded(PadataMtJob<?> job);

    PadataFeatures features();

    PadataCosts costs();

    /** {@code padata_works_inuse} (patch 11): work items of all running jobs, main threads included. */
    int worksInUse();
}
