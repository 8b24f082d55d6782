package org.kemu.schedfair.sim;

/**
 * What throttling a cfs_rq does to the tasks below it: the swappable half of bandwidth control
 * ({@link org.kemu.schedfair.ThrottleModel}), chosen once when the kernel is built.
 * {@link CfsRqThrottling} takes the whole queue off its parent (Linux up to 6.17);
 * {@link TaskBasedThrottling} leaves the hierarchy queued and takes each user task off at its next
 * preemption point, while kernel threads keep running (6.18).
 */
interface Throttling {
    /**
     * enqueue_task_fair's first step: true when {@code t}, about to be queued on {@code rq}, is
     * held back instead (it goes to a throttled queue's limbo and is not queued).
     */
    boolean holdsBack(SimTask t, CfsRq rq);

    /** An entity was just queued on {@code rq} (check_enqueue_throttle's place). */
    void entityEnqueued(CfsRq rq);

    /** True when {@code rq} hides what is below it from its ancestors' h_nr_running. */
    boolean hides(CfsRq rq);

    /** True when {@code rq}, out of runtime at put_prev while {@code t} ran, is throttled now. */
    boolean throttlesFor(CfsRq rq, SimTask t);

    /** True when local runtime limits how long {@code t} runs before it is rescheduled. */
    boolean limits(SimTask t);

    /** throttle_cfs_rq's effect on the queue {@code rq}, just marked throttled. */
    void throttle(CfsRq rq);

    /** unthrottle_cfs_rq's effect on the queue {@code rq}, just marked unthrottled. */
    void unthrottle(CfsRq rq);

    /** {@code t} was just put back at a preemption point on {@code c}. */
    void preempted(SimCpu c, SimTask t);
}
