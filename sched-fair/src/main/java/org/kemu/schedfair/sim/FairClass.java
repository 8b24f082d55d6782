package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.internal.HrTimer;
import org.kemu.schedfair.ThrottleModel;

/**
 * The fair scheduling class over the task-group hierarchy, with CFS bandwidth control (reference
 * sched-fair.md sections 1 and 2). Each CPU has one run queue per group; a group is represented in
 * its parent's queue by a group entity whose weight is the group's shares split across CPUs in
 * proportion to the group's load there (calc_group_shares, with instantaneous load instead of PELT
 * averages, recomputed for a CPU when that CPU's queue changes).
 *
 * <p>Bandwidth: every level's queue with a limit is charged the same execution time; when its local
 * runtime runs out it asks the group's global pool for a 5 ms slice, and if the pool is empty the
 * queue is throttled at the next put_prev (exactly when the runtime runs out: the engine schedules
 * an event then, rather than waiting for a tick). The period timer refills the pool on a grid with
 * a seeded random phase, and distributes runtime to throttled queues in order; slack above 1 ms is
 * returned when a queue empties, with the 5 ms slack timer and its 7 ms / 2 ms guards.
 */
final class FairClass {
    private final SimKernel k;
    final PickRule rule;
    final TaskGroup root;
    final ThrottleModel throttleModel;
    private final int nrCpus;
    private long nextGroupKey = -1;

    FairClass(SimKernel k, PickRule rule, int nrCpus, ThrottleModel throttleModel) {
        this.k = k;
        this.rule = rule;
        this.nrCpus = nrCpus;
        this.throttleModel = throttleModel;
        this.root = new TaskGroup("/", "", null, nrCpus, rule.order(), 0);
    }

    TaskGroup newGroup(TaskGroup parent, String name) {
        String path = parent.isRoot() ? "/" + name : parent.path + "/" + name;
        TaskGroup g = new TaskGroup(path, name, parent, nrCpus, rule.order(), nextGroupKey--);
        parent.children.add(g);
        return g;
    }

    /** Brings every running task's accounting up to now (for readers of statistics). */
    void accountAll() {
        if (k.mayAccount()) {
            for (int c = 0; c < nrCpus; c++) {
                k.accountCpu(c);
            }
        }
    }

    CfsRq rootRq(SimCpu c) {
        return root.cfsRq[c.id];
    }

    /** Tasks on the CPU that the scheduler can reach (rq->cfs.h_nr_running), curr included. */
    int nrRunning(SimCpu c) {
        return root.cfsRq[c.id].hNrRunning;
    }

    // ---- entity level ---------------------------------------------------------------------------

    private void enqueueEntity(CfsRq rq, SchedEntity se, boolean wakeup, boolean initial) {
        rq.updateMinVruntime();
        if (rule instanceof EevdfRule || wakeup || initial) {
            rule.place(rq, se, wakeup, initial);
        }
        se.cfsRq = rq;
        se.onRq = true;
        if (se != rq.curr) {
            rq.insert(se);
        }
        rq.load += se.weight;
        rq.nrRunning++;
        loadChanged(rq, se.weight);
    }

    private void dequeueEntity(CfsRq rq, SchedEntity se, boolean sleep) {
        rq.updateMinVruntime();
        rule.onDequeue(rq, se, sleep);
        if (se != rq.curr) {
            rq.remove(se);
        } else {
            rq.curr = null;
        }
        se.onRq = false;
        rq.load -= se.weight;
        rq.nrRunning--;
        loadChanged(rq, -se.weight);
        rq.updateMinVruntime();
        if (rq.nrRunning == 0) {
            returnRuntime(rq);
        }
    }

    /** Keeps the group's total load and this CPU's group-entity weight (calc_group_shares) current. */
    private void loadChanged(CfsRq rq, long delta) {
        TaskGroup g = rq.tg;
        if (g.isRoot()) {
            return;
        }
        g.totalLoad += delta;
        GroupEntity se = g.se[rq.cpu];
        long w = groupWeight(g, rq);
        if (w == se.weight) {
            return;
        }
        if (se.onRq) {
            CfsRq parent = se.cfsRq;
            long before = se.weight;
            rule.reweight(parent, se, w);
            loadChanged(parent, w - before);
        } else {
            se.weight = w;
        }
    }

    private static long groupWeight(TaskGroup g, CfsRq rq) {
        long shares = g.idle ? org.kemu.schedfair.Nice.WEIGHT_IDLEPRIO : g.shares;
        if (rq.load == 0 || g.totalLoad <= 0) {
            return shares;
        }
        long w = shares * rq.load / g.totalLoad;
        return Math.max(Math.min(TaskGroup.MIN_SHARES, shares), Math.min(shares, w));
    }

    /** Re-evaluates a group's entity weights on every CPU after its shares changed. */
    void sharesChanged(TaskGroup g) {
        for (int c = 0; c < nrCpus; c++) {
            k.accountCpu(c);
            CfsRq rq = g.cfsRq[c];
            GroupEntity se = g.se[c];
            long w = groupWeight(g, rq);
            if (se.onRq) {
                long before = se.weight;
                rule.reweight(se.cfsRq, se, w);
                loadChanged(se.cfsRq, w - before);
            } else {
                se.weight = w;
            }
            k.cpuChanged(c);
        }
    }

    // ---- task level ---------------------------------------------------------------------------

    /** The group entity above queue {@code rq} on its CPU, or null for a root queue. */
    private static SchedEntity parentEntity(CfsRq rq) {
        return rq.tg.isRoot() ? null : rq.tg.se[rq.cpu];
    }

    /**
     * enqueue_task_fair: queues {@code t} on CPU {@code c} and each group entity above it that was
     * not queued, stopping at a throttled queue; h_nr_running goes up to that point.
     */
    void enqueueTask(SimCpu c, SimTask t, boolean wakeup, boolean initial) {
        CfsRq rq = t.tg.cfsRq[c.id];
        if (!initial && t.cfsRq != null && t.cfsRq != rq && rule instanceof CfsRule) {
            // migrate_task_rq_fair: vruntime is relative to the queue it left
            t.vruntime = t.vruntime - t.cfsRq.minVruntime + rq.minVruntime;
        }
        t.cfsRq = rq;
        boolean taskBased = throttleModel == ThrottleModel.TASK_BASED;
        if (taskBased && !t.kthread) {
            CfsRq limbo = lowestThrottled(rq);
            if (limbo != null) {
                limbo.limbo.add(t);
                startLimboClock(limbo);
                return;
            }
        }
        SchedEntity se = t;
        while (se != null && !se.onRq) {
            rq = se.cfsRq;
            enqueueEntity(rq, se, wakeup, initial);
            if (!taskBased) {
                checkEnqueueThrottle(rq);
            }
            rq.hNrRunning++;
            if (rq.throttled && !taskBased) {
                return;
            }
            se = parentEntity(rq);
            initial = false;
            wakeup = true;
        }
        while (se != null) {
            rq = se.cfsRq;
            rq.hNrRunning++;
            if (rq.throttled && !taskBased) {
                return;
            }
            se = parentEntity(rq);
        }
    }

    /**
     * dequeue_task_fair: removes {@code t} and every group entity whose queue it leaves empty;
     * h_nr_running goes down up to a throttled queue. {@code sleep} when the task blocks.
     */
    void dequeueTask(SimCpu c, SimTask t, boolean sleep) {
        if (!t.onRq) {
            // a task in limbo (task-based throttling) sits on no queue
            for (CfsRq q = t.cfsRq; q != null; q = q.tg.isRoot() ? null : q.tg.parent.cfsRq[c.id]) {
                if (q.limbo.remove(t)) {
                    return;
                }
            }
            return;
        }
        boolean taskBased = throttleModel == ThrottleModel.TASK_BASED;
        CfsRq own = t.cfsRq;
        boolean wasCurr = own.curr == t;
        SchedEntity se = t;
        while (se != null) {
            CfsRq rq = se.cfsRq;
            dequeueEntity(rq, se, sleep);
            rq.hNrRunning--;
            if (rq.throttled && !taskBased) {
                se = null;
                break;
            }
            se = parentEntity(rq);
            sleep = true;
            if (rq.load > 0) {
                break;
            }
        }
        while (se != null) {
            CfsRq rq = se.cfsRq;
            rq.hNrRunning--;
            if (rq.throttled && !taskBased) {
                break;
            }
            se = parentEntity(rq);
        }
        if (wasCurr) {
            // the running task left: its group entities stop being curr (put_prev_entity)
            putPrevChain(c, parentEntity(own), t);
        }
    }

    /** pick_next_task_fair: walks down from the root queue; the chain becomes curr at each level. */
    SimTask pickNextTask(SimCpu c) {
        CfsRq rq = root.cfsRq[c.id];
        while (true) {
            rq.updateMinVruntime();
            SchedEntity se = rule.pick(rq);
            if (se == null) {
                return null;
            }
            rq.remove(se);
            rq.curr = se;
            rule.setNext(rq, se);
            CfsRq q = se.myQ();
            if (q == null) {
                return (SimTask) se;
            }
            rq = q;
        }
    }

    /**
     * put_prev_task_fair: {@code t} stops running but stays runnable; each level puts its entity
     * back and checks its runtime, throttling a queue that ran out (check_cfs_rq_runtime).
     */
    void putPrevTask(SimCpu c, SimTask t) {
        putPrevChain(c, t, t);
    }

    /** put_prev_entity from {@code se} up to the root on behalf of the task {@code t}. */
    private void putPrevChain(SimCpu c, SchedEntity se, SimTask t) {
        while (se != null) {
            CfsRq rq = se.cfsRq;
            if (rq.curr == se) {
                rq.curr = null;
                if (se.onRq) {
                    rq.insert(se);
                }
            }
            if (rq.runtimeEnabled && rq.runtimeRemaining <= 0 && !rq.throttled) {
                if (!(throttleModel == ThrottleModel.TASK_BASED && t.kthread && !anyUserTask(rq))) {
                    throttle(rq);
                }
            }
            se = rq.tg.isRoot() ? null : rq.tg.se[c.id];
        }
    }

    /** update_curr at every level: vruntime, group usage, and bandwidth charging. */
    void updateCurr(SimCpu c, SimTask t, long delta) {
        t.sumExec += delta;
        SchedEntity se = t;
        while (se != null) {
            CfsRq rq = se.cfsRq;
            if (se != t) {
                se.sumExec += delta;
            }
            rule.updateCurr(rq, se, delta);
            rq.updateMinVruntime();
            if (rq.runtimeEnabled) {
                rq.runtimeRemaining -= delta;
                if (rq.runtimeRemaining <= 0 && !rq.throttled) {
                    assignRuntime(rq, CfsBandwidth.SLICE_NS);
                }
            }
            se = rq.tg.isRoot() ? null : rq.tg.se[c.id];
        }
        for (TaskGroup g = t.tg; g != null; g = g.parent) {
            g.usageNs += delta;
            if (t.kthread) {
                g.systemNs += delta;
            } else {
                g.userNs += delta;
            }
        }
    }

    /**
     * Real ns of further execution after which {@code t} must be rescheduled: the earliest level
     * whose slice (CFS) or deadline (EEVDF) ends, or whose local runtime runs out.
     */
    long reschedInNs(SimCpu c, SimTask t) {
        long in = Long.MAX_VALUE;
        SchedEntity se = t;
        boolean bandwidthApplies = !(throttleModel == ThrottleModel.TASK_BASED && t.kthread);
        while (se != null) {
            CfsRq rq = se.cfsRq;
            in = Math.min(in, rule.reschedInNs(rq, se));
            if (rq.runtimeEnabled && bandwidthApplies) {
                in = Math.min(in, Math.max(0, rq.runtimeRemaining));
            }
            se = rq.tg.isRoot() ? null : rq.tg.se[c.id];
        }
        return in;
    }

    /** check_preempt_wakeup: compares the woken task and curr at their first common queue. */
    boolean wakeupPreempt(SimCpu c, SimTask curr, SimTask woken) {
        if (!woken.onRq) {
            return false;
        }
        if (woken.task.policy == org.kemu.schedfair.SchedPolicy.IDLE && curr.task.policy != org.kemu.schedfair.SchedPolicy.IDLE) {
            return false;
        }
        if (curr.task.policy == org.kemu.schedfair.SchedPolicy.IDLE && woken.task.policy != org.kemu.schedfair.SchedPolicy.IDLE) {
            return true;
        }
        if (woken.task.policy == org.kemu.schedfair.SchedPolicy.BATCH) {
            return false;
        }
        List<SchedEntity> a = chain(curr);
        List<SchedEntity> b = chain(woken);
        for (SchedEntity x : a) {
            for (SchedEntity y : b) {
                if (x.cfsRq == y.cfsRq) {
                    return x != y && x.cfsRq.curr == x && rule.wakeupPreempt(x.cfsRq, x, y);
                }
            }
        }
        return false;
    }

    private List<SchedEntity> chain(SimTask t) {
        List<SchedEntity> out = new ArrayList<>();
        SchedEntity se = t;
        while (se != null) {
            out.add(se);
            CfsRq rq = se.cfsRq;
            se = rq.tg.isRoot() ? null : rq.tg.se[rq.cpu];
        }
        return out;
    }

    /** set_user_nice's reweight_task. */
    void reweightTask(SimTask t, long weight) {
        if (t.onRq) {
            long before = t.weight;
            rule.reweight(t.cfsRq, t, weight);
            loadChanged(t.cfsRq, weight - before);
        } else {
            t.weight = weight;
        }
    }

    /** Queued tasks of a CPU that another CPU may pull: not running, not in a throttled hierarchy. */
    List<SimTask> pullable(SimCpu c) {
        List<SimTask> out = new ArrayList<>();
        collect(root.cfsRq[c.id], out);
        return out;
    }

    private void collect(CfsRq rq, List<SimTask> out) {
        for (SchedEntity se : rq.tree) {
            CfsRq q = se.myQ();
            if (q == null) {
                out.add((SimTask) se);
            } else if (!q.throttled) {
                collect(q, out);
            }
        }
        if (rq.curr != null && rq.curr.myQ() != null && !rq.curr.myQ().throttled) {
            collect(rq.curr.myQ(), out);
        }
    }

    // ---- bandwidth ----------------------------------------------------------------------------

    /** __assign_cfs_rq_runtime: tops the local runtime up to {@code target} from the pool. */
    boolean assignRuntime(CfsRq rq, long target) {
        CfsBandwidth b = rq.tg.bw;
        long minAmount = target - rq.runtimeRemaining;
        long amount;
        if (!b.limited()) {
            amount = minAmount;
        } else {
            startPeriodTimer(b);
            amount = 0;
            if (b.runtime > 0) {
                amount = Math.min(b.runtime, minAmount);
                b.runtime -= amount;
                b.idle = false;
            }
        }
        rq.runtimeRemaining += amount;
        return rq.runtimeRemaining > 0;
    }

    /** check_enqueue_throttle: the first entity arrives on a queue without runtime. */
    private boolean checkEnqueueThrottle(CfsRq rq) {
        if (!rq.runtimeEnabled || rq.nrRunning != 1 || rq.throttled || rq.curr != null) {
            return false;
        }
        if (rq.runtimeRemaining > 0) {
            return false;
        }
        if (throttleModel == ThrottleModel.TASK_BASED && !anyUserTask(rq)) {
            return false;
        }
        return throttle(rq);
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

    /** throttle_cfs_rq; returns true when the queue is now throttled. */
    boolean throttle(CfsRq rq) {
        if (assignRuntime(rq, 1)) {
            return false;
        }
        CfsBandwidth b = rq.tg.bw;
        b.throttledList.add(rq);
        rq.throttled = true;
        int cpu = rq.cpu;
        if (throttleModel == ThrottleModel.TASK_BASED) {
            // user tasks leave for limbo (at their return to user); kernel threads keep running
            rq.throttledClock = -1;
            moveUserTasksToLimbo(rq, rq);
            return true;
        }
        rq.throttledClock = rq.hNrRunning > 0 ? k.now : -1;
        int tasks = rq.hNrRunning;
        GroupEntity se = rq.tg.se[cpu];
        boolean dequeueing = se.onRq;
        CfsRq p = se.cfsRq;
        SchedEntity cur = se;
        while (true) {
            if (dequeueing) {
                dequeueEntity(p, cur, false);
            }
            p.hNrRunning -= tasks;
            if (p.tg.isRoot() || p.throttled) {
                break;
            }
            dequeueing = dequeueing && p.nrRunning == 0;
            cur = p.tg.se[cpu];
            p = cur.cfsRq;
        }
        return true;
    }

    private void moveUserTasksToLimbo(CfsRq throttled, CfsRq rq) {
        for (SchedEntity se : new ArrayList<>(rq.tree)) {
            if (se instanceof SimTask t) {
                if (!t.kthread) {
                    dequeueTask(k.cpu(rq.cpu), t, false);
                    throttled.limbo.add(t);
                    startLimboClock(throttled);
                }
            } else if (!se.myQ().throttled) {
                moveUserTasksToLimbo(throttled, se.myQ());
            }
        }
    }

    private void startLimboClock(CfsRq rq) {
        if (rq.throttledClock < 0) {
            rq.throttledClock = k.now;
        }
    }

    /** The user task that ran out is taken off at put_prev under the task-based model. */
    boolean sendToLimboIfThrottled(SimCpu c, SimTask t) {
        if (throttleModel != ThrottleModel.TASK_BASED || t.kthread || !t.onRq) {
            return false;
        }
        CfsRq limbo = lowestThrottled(t.cfsRq);
        if (limbo == null) {
            return false;
        }
        dequeueTask(c, t, false);
        limbo.limbo.add(t);
        startLimboClock(limbo);
        return true;
    }

    private static CfsRq lowestThrottled(CfsRq rq) {
        for (CfsRq q = rq; q != null; q = q.tg.isRoot() ? null : q.tg.parent.cfsRq[q.cpu]) {
            if (q.throttled) {
                return q;
            }
        }
        return null;
    }

    /** unthrottle_cfs_rq. */
    void unthrottle(CfsRq rq) {
        int cpu = rq.cpu;
        k.accountCpu(cpu);
        CfsBandwidth b = rq.tg.bw;
        rq.throttled = false;
        b.throttledList.remove(rq);
        if (rq.throttledClock >= 0) {
            b.throttledTimeNs += k.now - rq.throttledClock;
            if (k.tracer().enabled()) {
                k.tracer().emit(new org.kemu.schedfair.TraceEvent.Throttled(rq.tg.path, cpu, rq.throttledClock, k.now));
            }
            rq.throttledClock = -1;
        }
        if (throttleModel == ThrottleModel.TASK_BASED) {
            List<SimTask> back = new ArrayList<>(rq.limbo);
            rq.limbo.clear();
            for (SimTask t : back) {
                enqueueTask(k.cpu(cpu), t, true, false);
            }
            k.cpuChanged(cpu);
            return;
        }
        int tasks = rq.hNrRunning;
        SchedEntity se = rq.tg.se[cpu];
        CfsRq p = se.cfsRq;
        boolean enqueueing = rq.nrRunning > 0;
        while (true) {
            if (enqueueing && !se.onRq) {
                enqueueEntity(p, se, true, false);
            } else {
                enqueueing = false;
            }
            p.hNrRunning += tasks;
            if (p.tg.isRoot() || p.throttled) {
                break;
            }
            se = p.tg.se[cpu];
            p = se.cfsRq;
        }
        k.cpuChanged(cpu);
    }

    /** __return_cfs_rq_runtime: a queue that went empty gives back all but 1 ms. */
    private void returnRuntime(CfsRq rq) {
        if (!rq.runtimeEnabled) {
            return;
        }
        long slack = rq.runtimeRemaining - CfsBandwidth.MIN_CFS_RQ_RUNTIME_NS;
        if (slack <= 0) {
            return;
        }
        CfsBandwidth b = rq.tg.bw;
        if (b.limited()) {
            b.runtime += slack;
            if (b.runtime > CfsBandwidth.SLICE_NS && !b.throttledList.isEmpty()) {
                startSlackTimer(b);
            }
        }
        rq.runtimeRemaining -= slack;
    }

    private boolean refreshWithin(CfsBandwidth b, long minNs) {
        if (b.periodTimer == null || !b.periodTimer.isArmed()) {
            return true;
        }
        return b.periodTimer.expires() - k.now < minNs;
    }

    private void startSlackTimer(CfsBandwidth b) {
        if (refreshWithin(b, CfsBandwidth.SLACK_PERIOD_NS + CfsBandwidth.MIN_BANDWIDTH_EXPIRATION_NS)) {
            return;
        }
        if (b.slackTimer == null) {
            b.slackTimer = new HrTimer(k, "cfs_slack:" + b.tg.path, () -> slackTimerFired(b));
        }
        if (!b.slackTimer.isArmed()) {
            b.slackTimer.start(k.now + CfsBandwidth.SLACK_PERIOD_NS);
        }
    }

    private void slackTimerFired(CfsBandwidth b) {
        if (refreshWithin(b, CfsBandwidth.MIN_BANDWIDTH_EXPIRATION_NS)) {
            return;
        }
        if (b.runtime > CfsBandwidth.SLICE_NS) {
            distribute(b);
        }
    }

    /** start_cfs_bandwidth: arms the period timer on its grid if it is not active. */
    void startPeriodTimer(CfsBandwidth b) {
        if (b.periodActive) {
            return;
        }
        b.periodActive = true;
        if (b.phase < 0) {
            b.phase = Math.floorMod(k.random("cfs_bandwidth:" + b.tg.path).nextLong(), b.period);
        }
        if (b.periodTimer == null) {
            b.periodTimer = new HrTimer(k, "cfs_period:" + b.tg.path, () -> periodTimerFired(b));
        }
        long n = Math.floorDiv(k.now - b.phase, b.period) + 1;
        b.periodTimer.start(b.phase + n * b.period);
    }

    /** sched_cfs_period_timer / do_sched_cfs_period_timer (reference section 1.4). */
    private void periodTimerFired(CfsBandwidth b) {
        long expired = k.now;
        if (!b.limited()) {
            b.periodActive = false;
            return;
        }
        boolean throttled = !b.throttledList.isEmpty();
        b.nrPeriods++;
        refill(b);
        if (b.idle && !throttled) {
            b.periodActive = false;
            return;
        }
        if (!throttled) {
            b.idle = true;
        } else {
            b.nrThrottled++;
            while (!b.throttledList.isEmpty() && b.runtime > 0) {
                distribute(b);
            }
            b.idle = false;
        }
        b.periodTimer.start(expired + b.period);
    }

    /** __refill_cfs_bandwidth_runtime, with the remote-charging debt of patch 15 paid first. */
    void refill(CfsBandwidth b) {
        if (!b.limited()) {
            return;
        }
        long payment = Math.min(b.quota, b.debt);
        b.debt -= payment;
        b.runtime += b.quota - payment;
        if (b.runtimeSnap - b.runtime > 0) {
            b.burstTimeNs += b.runtimeSnap - b.runtime;
            b.nrBursts++;
        }
        b.runtime = Math.min(b.runtime, b.quota + b.burst);
        b.runtimeSnap = b.runtime;
    }

    /** distribute_cfs_runtime: just enough runtime to each throttled queue, in order. */
    private void distribute(CfsBandwidth b) {
        for (CfsRq rq : new ArrayList<>(b.throttledList)) {
            if (b.runtime <= 0) {
                break;
            }
            long amount = Math.min(-rq.runtimeRemaining + 1, b.runtime);
            b.runtime -= amount;
            rq.runtimeRemaining += amount;
            if (rq.runtimeRemaining > 0) {
                unthrottle(rq);
            }
        }
    }

    /**
     * tg_set_cfs_bandwidth: new limits, a full pool, the period timer restarted, every CPU's queue
     * reset (runtime_remaining 0) and unthrottled, and any remote-charging debt forgiven.
     */
    void setBandwidth(TaskGroup g, long quota, long period, long burst) {
        CfsBandwidth b = g.bw;
        for (int c = 0; c < nrCpus; c++) {
            k.accountCpu(c);
        }
        b.period = period;
        b.quota = quota;
        b.burst = burst;
        b.debt = 0;
        if (b.phase >= 0) {
            b.phase = Math.floorMod(b.phase, period);
        }
        b.runtime = quota == CfsBandwidth.INF ? 0 : quota;
        b.runtimeSnap = b.runtime;
        b.periodActive = false;
        if (b.periodTimer != null) {
            b.periodTimer.cancel();
        }
        if (b.limited()) {
            startPeriodTimer(b);
        }
        for (int c = 0; c < nrCpus; c++) {
            CfsRq rq = g.cfsRq[c];
            rq.runtimeEnabled = b.limited();
            rq.runtimeRemaining = 0;
            if (rq.throttled) {
                unthrottle(rq);
            }
            k.cpuChanged(c);
        }
    }

    /** incur_cfs_debt of patch 15: every limited ancestor is charged the whole debt. */
    void incurDebt(TaskGroup g, int cpu, long debt) {
        for (TaskGroup t = g; t != null && !t.isRoot(); t = t.parent) {
            if (!t.cfsRq[cpu].runtimeEnabled) {
                continue;
            }
            CfsBandwidth b = t.bw;
            long payment = Math.min(Math.max(0, b.runtime), debt);
            b.runtime -= payment;
            b.debt += debt - payment;
        }
        // patch 16: the charged time shows as usage and system time of the target group
        for (TaskGroup t = g; t != null && !t.isRoot(); t = t.parent) {
            t.usageNs += debt;
            t.systemNs += debt;
        }
    }
}
