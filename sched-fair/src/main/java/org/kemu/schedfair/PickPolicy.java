package org.kemu.schedfair;

/**
 * Which rule the fair class uses to pick the next task on a CPU. Long-run shares are the same under
 * both (each entity gets w/Σw); they differ in latency and wake-up preemption.
 */
public enum PickPolicy {
    /** CFS as before Linux 6.6: smallest vruntime; sched_latency 6 ms and min_granularity 0.75 ms, scaled by 1 + ilog2(min(ncpus, 8)). */
    CFS,
    /** EEVDF as from Linux 6.6: earliest eligible virtual deadline. */
    EEVDF
}
