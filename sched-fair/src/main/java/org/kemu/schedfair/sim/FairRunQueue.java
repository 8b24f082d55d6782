package org.kemu.schedfair.sim;

import java.util.List;

/**
 * A CPU's fair-class run queue ({@code struct cfs_rq}) with a swappable pick rule. The current task
 * is kept out of the queue while it runs, as the kernel keeps {@code cfs_rq->curr} out of its tree.
 */
interface FairRunQueue {
    /** Adds a runnable task; {@code wakeup} when it returns from sleep, {@code initial} when new. */
    void enqueue(SimTask t, boolean wakeup, boolean initial);

    /** Removes a queued task (to run it elsewhere, or because it went to sleep). */
    void dequeue(SimTask t);

    /** The task that should run next, removed from the queue; null when empty. */
    SimTask pickNext();

    /** Puts the task that was running back into the queue (it stays runnable). */
    void putPrev(SimTask t);

    /** The current task ran {@code delta} ns: advance its virtual runtime. */
    void updateCurr(SimTask curr, long delta);

    /** Called when {@code t} is picked to run: starts its slice. */
    void setNext(SimTask t);

    /** Absolute time at which {@code curr}, running since {@code curr.execAt}, should yield. */
    long sliceEnd(SimTask curr, int nrRunning);

    /** True when the woken task should preempt {@code curr} at once. */
    boolean wakeupPreempt(SimTask curr, SimTask woken);

    /** Changes a task's weight (set_user_nice) keeping its place as the pick rule does. */
    void reweight(SimTask t, long newWeight, boolean queued);

    /** A task leaves this run queue for another CPU's: make its vruntime relative. */
    void migrateOut(SimTask t);

    /** A task arrives from another CPU's run queue. */
    void migrateIn(SimTask t);

    int nrQueued();

    /** Queued tasks in pick order (for load balancing). */
    List<SimTask> queued();
}
