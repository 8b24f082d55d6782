package org.kemu.padatacore;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which parts of the 2022 series are switched on, one switch per patch, for ablation
 * (docs/kernel/padata.md section 3.2). With every switch off, {@code padata_do_multithreaded} behaves as
 * mainline: errors are ignored, helpers are workqueue workers, and nothing is capped but
 * {@code max_threads} and the work pool.
 *
 * <p>Patches 10, 13 and 14 change settings of helper tasks created for the job, so they act only
 * with {@link Switch#KTHREAD_HELPERS}: changing shared kworkers would be the layering violation
 * patch 9 was written to avoid. An immutable value: every {@code with...} returns a new one.
 */
public final class PadataFeatures {

    /** One switch of {@link PadataFeatures}: a patch of the series, or a mainline behaviour. */
    public enum Switch {
        /** Patch 2: a non-zero {@code thread_fn} result stops new chunks and is returned. */
        RETURN_FIRST_ERROR,
        /** Patch 3: on error, undo every completed chunk with {@code undo_fn} (needs patch 2). */
        UNDO,
        /** Patch 4: the main/helper lockdep map. */
        LOCKDEP,
        /** Patch 9: helpers are kthreads created per job (else workqueue workers). */
        KTHREAD_HELPERS,
        /** Patch 10: cap threads at the main task's allowed CPUs and bind helpers there. */
        FOLLOW_MAIN_AFFINITY,
        /** Patch 11: at most {@code num_online_cpus()} work items across all jobs. */
        CAP_ONLINE_CPUS,
        /** Patch 12: cap threads at {@code max_cfs_bandwidth_cpus()} of the main task's group. */
        CAP_CFS_BANDWIDTH,
        /** Patch 13: helpers run at MAX_NICE. */
        HELPERS_MAX_NICE,
        /** Patch 14: the waiting main task lends its nice to one unfinished helper at a time. */
        RENICE_ONE_BY_ONE,
        /** Patch 15: helpers' runtime is charged to the main task's group. */
        REMOTE_CHARGING,
        /**
         * For numa-aware jobs, restrict each helper to its node's CPUs (mainline's
         * {@code queue_work_node} runs the work on a worker of that node's pool).
         */
        NUMA_BIND_HELPERS,
        /**
         * The RFC's TODO "Make helpers aware of signals sent to the main thread": once the main task
         * has a fatal signal pending, no thread starts a new chunk (each finishes the one it has), the
         * completed chunks are undone with {@code undo_fn} and the job returns -EINTR. Not part of the
         * posted series: off in {@link #rfc2022()} and {@link #mainline()}. Only the multithreaded path checks: a job
         * run as one chunk by the single-thread shortcut completes.
         */
        SIGNAL_AWARE_HELPERS,
        /**
         * The RFC's TODO "Memory controller limits for helpers via active_memcg": each helper runs its
         * chunks under {@code set_active_memcg(main task's memcg)}, so what it charges without naming an
         * mm ({@code __GFP_ACCOUNT} kernel memory, mm-less page cache) goes to the main task's group
         * rather than the helper's root group. Faults on an mm charge that mm's owner whatever this
         * switch says (5.14 {@code get_mem_cgroup_from_mm}). Not in the posted series.
         */
        ACTIVE_MEMCG,
        /**
         * The RFC's TODOs "cpuset.mems" and "NUMA memory policy": each helper runs its chunks with the
         * main task's {@code mems_allowed} and {@code mempolicy}, so it allocates only from the main
         * task's cpuset.mems and follows its bind, preferred or interleave policy; off, a helper is a
         * kthread of the root cpuset with the default (local) policy. Not in the posted series.
         */
        FOLLOW_MAIN_MEMS
    }

    private final PadataSizing.Variant sizing;
    private final Set<Switch> on;

    private PadataFeatures(PadataSizing.Variant sizing, Set<Switch> on) {
        this.sizing = Objects.requireNonNull(sizing, "sizing");
        this.on = on.isEmpty() ? EnumSet.noneOf(Switch.class) : EnumSet.copyOf(on);
    }

    /** {@code sizing} with exactly the switches in {@code on}. */
    public static PadataFeatures of(PadataSizing.Variant sizing, Set<Switch> on) {
        return new PadataFeatures(sizing, on);
    }

    /** Mainline padata (current sizing arithmetic), none of the series' additions. */
    public static PadataFeatures mainline() {
        return new PadataFeatures(PadataSizing.Variant.CURRENT, EnumSet.of(Switch.NUMA_BIND_HELPERS));
    }

    /**
     * Patches 2-14 of the series. Remote charging (patch 15) is a policy the author himself offered
     * to drop; switch it on with {@link #withRemoteCharging(boolean)}.
     */
    public static PadataFeatures rfc2022() {
        return new PadataFeatures(PadataSizing.Variant.CURRENT, EnumSet.complementOf(EnumSet.of(Switch.REMOTE_CHARGING,
                Switch.SIGNAL_AWARE_HELPERS, Switch.ACTIVE_MEMCG, Switch.FOLLOW_MAIN_MEMS)));
    }

    /** Which version of the thread-count and chunk-size arithmetic to use. */
    public PadataSizing.Variant sizing() {
        return sizing;
    }

    public boolean has(Switch s) {
        return on.contains(s);
    }

    /** The switches that are on. */
    public Set<Switch> switches() {
        return on.isEmpty() ? EnumSet.noneOf(Switch.class) : EnumSet.copyOf(on);
    }

    public PadataFeatures with(Switch s, boolean enabled) {
        EnumSet<Switch> next = EnumSet.noneOf(Switch.class);
        next.addAll(on);
        if (enabled) {
            next.add(s);
        } else {
            next.remove(s);
        }
        return new PadataFeatures(sizing, next);
    }

    public PadataFeatures withSizing(PadataSizing.Variant v) {
        return new PadataFeatures(v, on);
    }

    public boolean returnFirstError() {
        return has(Switch.RETURN_FIRST_ERROR);
    }

    public boolean undo() {
        return has(Switch.UNDO);
    }

    public boolean lockdep() {
        return has(Switch.LOCKDEP);
    }

    public boolean kthreadHelpers() {
        return has(Switch.KTHREAD_HELPERS);
    }

    public boolean followMainAffinity() {
        return has(Switch.FOLLOW_MAIN_AFFINITY);
    }

    public boolean capOnlineCpus() {
        return has(Switch.CAP_ONLINE_CPUS);
    }

    public boolean capCfsBandwidth() {
        return has(Switch.CAP_CFS_BANDWIDTH);
    }

    public boolean helpersMaxNice() {
        return has(Switch.HELPERS_MAX_NICE);
    }

    public boolean reniceOneByOne() {
        return has(Switch.RENICE_ONE_BY_ONE);
    }

    public boolean remoteCharging() {
        return has(Switch.REMOTE_CHARGING);
    }

    public boolean numaBindHelpers() {
        return has(Switch.NUMA_BIND_HELPERS);
    }

    public PadataFeatures withReturnFirstError(boolean b) {
        return with(Switch.RETURN_FIRST_ERROR, b);
    }

    public boolean signalAwareHelpers() {
        return has(Switch.SIGNAL_AWARE_HELPERS);
    }

    public PadataFeatures withSignalAwareHelpers(boolean b) {
        return with(Switch.SIGNAL_AWARE_HELPERS, b);
    }

    public boolean activeMemcg() {
        return has(Switch.ACTIVE_MEMCG);
    }

    public PadataFeatures withActiveMemcg(boolean b) {
        return with(Switch.ACTIVE_MEMCG, b);
    }

    public boolean followMainMems() {
        return has(Switch.FOLLOW_MAIN_MEMS);
    }

    public PadataFeatures withFollowMainMems(boolean b) {
        return with(Switch.FOLLOW_MAIN_MEMS, b);
    }

    public PadataFeatures withUndo(boolean b) {
        return with(Switch.UNDO, b);
    }

    public PadataFeatures withLockdep(boolean b) {
        return with(Switch.LOCKDEP, b);
    }

    public PadataFeatures withKthreadHelpers(boolean b) {
        return with(Switch.KTHREAD_HELPERS, b);
    }

    public PadataFeatures withFollowMainAffinity(boolean b) {
        return with(Switch.FOLLOW_MAIN_AFFINITY, b);
    }

    public PadataFeatures withCapOnlineCpus(boolean b) {
        return with(Switch.CAP_ONLINE_CPUS, b);
    }

    public PadataFeatures withCapCfsBandwidth(boolean b) {
        return with(Switch.CAP_CFS_BANDWIDTH, b);
    }

    public PadataFeatures withHelpersMaxNice(boolean b) {
        return with(Switch.HELPERS_MAX_NICE, b);
    }

    public PadataFeatures withReniceOneByOne(boolean b) {
        return with(Switch.RENICE_ONE_BY_ONE, b);
    }

    public PadataFeatures withRemoteCharging(boolean b) {
        return with(Switch.REMOTE_CHARGING, b);
    }

    public PadataFeatures withNumaBindHelpers(boolean b) {
        return with(Switch.NUMA_BIND_HELPERS, b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PadataFeatures f && f.sizing == sizing && f.on.equals(on);
    }

    @Override
    public int hashCode() {
        return sizing.hashCode() * 31 + on.hashCode();
    }

    @Override
    public String toString() {
        return "PadataFeatures[sizing=" + sizing + ", on=" + on + "]";
    }
}
