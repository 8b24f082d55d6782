package org.kemu.padatacore;

import java.util.Objects;

/**
 * Which parts of the 2022 series are switched on, one switch per patch, for ablation
 * (docs/kernel/padata.md section 3.2). With every switch off, {@code padata_do_multithreaded} behaves as
 * mainline: errors are ignored, helpers are workqueue workers, and nothing is capped but
 * {@code max_threads} and the work pool.
 *
 * <p>Patches 10, 13 and 14 change settings of helper tasks created for the job, so they act only
 * with {@link #kthreadHelpers}: changing shared kworkers would be the layering violation patch 9
 * was written to avoid.
 *
 * @param sizing which version of the thread-count and chunk-size arithmetic to use
 * @param returnFirstError patch 2: a non-zero {@code thread_fn} result stops new chunks and is returned
 * @param undo patch 3: on error, undo every completed chunk with {@code undo_fn} (needs patch 2)
 * @param lockdep patch 4: the main/helper lockdep map
 * @param kthreadHelpers patch 9: helpers are kthreads created per job (else workqueue workers)
 * @param followMainAffinity patch 10: cap threads at the main task's allowed CPUs and bind helpers there
 * @param capOnlineCpus patch 11: at most {@code num_online_cpus()} work items across all jobs
 * @param capCfsBandwidth patch 12: cap threads at {@code max_cfs_bandwidth_cpus()} of the main task's group
 * @param helpersMaxNice patch 13: helpers run at MAX_NICE
 * @param reniceOneByOne patch 14: the waiting main task lends its nice to one unfinished helper at a time
 * @param remoteCharging patch 15: helpers' runtime is charged to the main task's group
 * @param numaBindHelpers for numa-aware jobs, restrict each helper to its node's CPUs (mainline's
 *     {@code queue_work_node} runs the work on a worker of that node's pool)
 */
public record PadataFeatures(PadataSizing.Variant sizing, boolean returnFirstError, boolean undo, boolean lockdep,
        boolean kthreadHelpers, boolean followMainAffinity, boolean capOnlineCpus, boolean capCfsBandwidth,
        boolean helpersMaxNice, boolean reniceOneByOne, boolean remoteCharging, boolean numaBindHelpers) {

    public PadataFeatures {
        Objects.requireNonNull(sizing, "sizing");
    }

    /** Mainline padata (current sizing arithmetic), none of the series' additions. */
    public static PadataFeatures mainline() {
        return new PadataFeatures(PadataSizing.Variant.CURRENT, false, false, false, false, false, false, false,
                false, false, false, true);
    }

    /**
     * Patches 2-14 of the series. Remote charging (patch 15) is a policy the author himself offered
     * to drop; switch it on with {@link #withRemoteCharging(boolean)}.
     */
    public static PadataFeatures rfc2022() {
        return new PadataFeatures(PadataSizing.Variant.CURRENT, true, true, true, true, true, true, true, true, true,
                false, true);
    }

    public PadataFeatures withSizing(PadataSizing.Variant v) {
        return new PadataFeatures(v, returnFirstError, undo, lockdep, kthreadHelpers, followMainAffinity,
                capOnlineCpus, capCfsBandwidth, helpersMaxNice, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withReturnFirstError(boolean b) {
        return new PadataFeatures(sizing, b, undo, lockdep, kthreadHelpers, followMainAffinity, capOnlineCpus,
                capCfsBandwidth, helpersMaxNice, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withUndo(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, b, lockdep, kthreadHelpers, followMainAffinity,
                capOnlineCpus, capCfsBandwidth, helpersMaxNice, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withLockdep(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, b, kthreadHelpers, followMainAffinity,
                capOnlineCpus, capCfsBandwidth, helpersMaxNice, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withKthreadHelpers(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, lockdep, b, followMainAffinity, capOnlineCpus,
                capCfsBandwidth, helpersMaxNice, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withFollowMainAffinity(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, lockdep, kthreadHelpers, b, capOnlineCpus,
                capCfsBandwidth, helpersMaxNice, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withCapOnlineCpus(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, lockdep, kthreadHelpers, followMainAffinity, b,
                capCfsBandwidth, helpersMaxNice, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withCapCfsBandwidth(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, lockdep, kthreadHelpers, followMainAffinity,
                capOnlineCpus, b, helpersMaxNice, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withHelpersMaxNice(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, lockdep, kthreadHelpers, followMainAffinity,
                capOnlineCpus, capCfsBandwidth, b, reniceOneByOne, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withReniceOneByOne(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, lockdep, kthreadHelpers, followMainAffinity,
                capOnlineCpus, capCfsBandwidth, helpersMaxNice, b, remoteCharging, numaBindHelpers);
    }

    public PadataFeatures withRemoteCharging(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, lockdep, kthreadHelpers, followMainAffinity,
                capOnlineCpus, capCfsBandwidth, helpersMaxNice, reniceOneByOne, b, numaBindHelpers);
    }

    public PadataFeatures withNumaBindHelpers(boolean b) {
        return new PadataFeatures(sizing, returnFirstError, undo, lockdep, kthreadHelpers, followMainAffinity,
                capOnlineCpus, capCfsBandwidth, helpersMaxNice, reniceOneByOne, remoteCharging, b);
    }
}
