package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Task-based throttling (Linux 6.18, throttle_cfs_rq_work): a throttled queue stays queued and
 * keeps counting; its user tasks are taken off at their next preemption point (the return to user
 * space) into the queue's limbo, a user task waking into a throttled hierarchy goes straight
 * there, and kernel threads keep running, so one holding a lock cannot stall the group's other
 * tasks. The throttled clock runs while some task sits in limbo.
 */
record TaskBasedThrottling(FairClass fair) implements Throttling {
    @Override
    public boolean holdsBack(SimTask t, CfsRq rq) {
        if (t.kthread) {
            return false;
        }
        CfsRq limbo = lowestThrottled(rq);
        if (limbo == null) {
            return false;
        }
        toLimbo(limbo, t);
        return true;
    }

    @Override
    public void entityEnqueued(CfsRq rq) {
    }

    @Override
    public boolean hides(CfsRq rq) {
        return false;
    }

    /** A kernel thread alone under the queue does not throttle it. */
    @Override
    public boolean throttlesFor(CfsRq rq, SimTask t) {
        return !t.kthread || anyUserTask(rq);
    }

    @Override
    public boolean limits(SimTask t) {
        return !t.kthread;
    }

    /** User tasks leave for limbo (at their return to user); kernel threads keep running. */
    @Override
    public void throttle(CfsRq rq) {
        rq.throttledClock = -1;
        moveUserTasksToLimbo(rq, rq);
    }

    @Override
    public void unthrottle(CfsRq rq) {
        List<SimTask> back = new ArrayList<>(rq.limbo);
        rq.limbo.clear();
        SimCpu c = fair.core.cpu(rq.cpu);
        for (SimTask t : back) {
            fair.enqueueTask(c, t, true, false);
        }
    }

    /** The user task that ran out is taken off at put_prev. */
    @Override
    public void preempted(SimCpu c, SimTask t) {
        if (t.kthread || !t.onRq) {
            return;
        }
        CfsRq limbo = lowestThrottled(t.cfsRq);
        if (limbo == null) {
            return;
        }
        fair.dequeueTask(c, t, false);
        toLimbo(limbo, t);
    }

    private static boolean anyUserTask(CfsRq rq) {
        for (SchedEntity se : rq.tree) {
            if (se instanceof SimTask t ? !t.kthread : anyUserTask(se.myQ())) {
                return true;
            }
        }
        SchedEntity cur = rq.curr;
        return cur != null && (cur instanceof SimTask t ? !t.kthread : anyUserTask(cur.myQ()));
    }

    private void moveUserTasksToLimbo(CfsRq throttled, CfsRq rq) {
        for (SchedEntity se : new ArrayList<>(rq.tree)) {
            if (se instanceof SimTask t) {
                if (!t.kthread) {
                    fair.dequeueTask(fair.core.cpu(rq.cpu), t, false);
                    toLimbo(throttled, t);
                }
            } else if (!se.myQ().throttled) {
                moveUserTasksToLimbo(throttled, se.myQ());
            }
        }
    }

    private void toLimbo(CfsRq throttled, SimTask t) {
        throttled.limbo.add(t);
        if (throttled.throttledClock < 0) {
            throttled.throttledClock = fair.core.now();
        }
    }

    private static CfsRq lowestThrottled(CfsRq rq) {
        for (CfsRq q = rq; q != null; q = q.tg.isRoot() ? null : q.tg.parent.cfsRq[q.cpu]) {
            if (q.throttled) {
                return q;
            }
        }
        return null;
    }
}
