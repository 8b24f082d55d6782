package org.kemu.schedfair.sim;

/**
 * Throttling a whole cfs_rq (throttle_cfs_rq up to Linux 6.17): the group's entity leaves its
 * parent's queue, the queue's tasks stop counting in the ancestors' h_nr_running, and everything
 * below waits, kernel threads included, until the queue gets runtime again.
 */
record CfsRqThrottling(FairClass fair) implements Throttling {
    @Override
    public boolean holdsBack(SimTask t, CfsRq rq) {
        return false;
    }

    /** check_enqueue_throttle: the first entity arrives on a queue without runtime. */
    @Override
    public void entityEnqueued(CfsRq rq) {
        if (!rq.runtimeEnabled || rq.nrRunning != 1 || rq.throttled || rq.curr != null) {
            return;
        }
        if (rq.runtimeRemaining > 0) {
            return;
        }
        fair.bandwidth.throttle(rq);
    }

    @Override
    public boolean hides(CfsRq rq) {
        return rq.throttled;
    }

    @Override
    public boolean throttlesFor(CfsRq rq, SimTask t) {
        return true;
    }

    @Override
    public boolean limits(SimTask t) {
        return true;
    }

    /** Dequeues the group entity and every ancestor it leaves empty, up to a throttled queue. */
    @Override
    public void throttle(CfsRq rq) {
        int cpu = rq.cpu;
        rq.throttledClock = rq.hNrRunning > 0 ? fair.core.now() : -1;
        int tasks = rq.hNrRunning;
        GroupEntity se = rq.tg.se[cpu];
        boolean dequeueing = se.onRq;
        CfsRq p = se.cfsRq;
        SchedEntity cur = se;
        while (true) {
            if (dequeueing) {
                fair.dequeueEntity(p, cur, false);
            }
            p.addHNrRunning(-tasks);
            if (p.tg.isRoot() || p.throttled) {
                break;
            }
            dequeueing = dequeueing && p.nrRunning == 0;
            cur = p.tg.se[cpu];
            p = cur.cfsRq;
        }
    }

    /** Enqueues the group entity again and each ancestor it was taken off with, up to a throttled queue. */
    @Override
    public void unthrottle(CfsRq rq) {
        int cpu = rq.cpu;
        int tasks = rq.hNrRunning;
        SchedEntity se = rq.tg.se[cpu];
        CfsRq p = se.cfsRq;
        boolean enqueueing = rq.nrRunning > 0;
        while (true) {
            if (enqueueing && !se.onRq) {
                fair.enqueueEntity(p, se, true, false);
            } else {
                enqueueing = false;
            }
            p.addHNrRunning(tasks);
            if (p.tg.isRoot() || p.throttled) {
                break;
            }
            se = p.tg.se[cpu];
            p = se.cfsRq;
        }
    }

    @Override
    public void preempted(SimCpu c, SimTask t) {
    }
}
