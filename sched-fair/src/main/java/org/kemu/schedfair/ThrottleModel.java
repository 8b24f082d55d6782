package org.kemu.schedfair;

/** How CFS bandwidth throttling takes tasks off the CPU (docs/kernel/sched-fair.md section 1.3). */
public enum ThrottleModel {
    /** Before Linux 6.18: a throttled cfs_rq is dequeued with everything in it, kthreads included. */
    CFS_RQ,
    /**
     * Linux 6.18's task-based model: user tasks leave when they return to user mode; kernel threads
     * never do, so they keep running inside a throttled group (their runtime is still charged).
     * kemu takes a user task off at its next preemption point, having no user/kernel mode split.
     */
    TASK_BASED
}
