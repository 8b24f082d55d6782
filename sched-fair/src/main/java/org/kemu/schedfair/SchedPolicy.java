package org.kemu.schedfair;

/** Scheduling policies of the fair class (include/uapi/linux/sched.h). */
public enum SchedPolicy {
    /** SCHED_NORMAL (SCHED_OTHER). */
    NORMAL,
    /** SCHED_BATCH: fair class, never preempts on wake-up. */
    BATCH,
    /** SCHED_IDLE: fair class with weight WEIGHT_IDLEPRIO (3), whatever its nice. */
    IDLE
}
