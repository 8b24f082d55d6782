package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.SchedPolicy;
import org.kemu.schedfair.ThrottleModel;
import org.kemu.schedfair.internal.KernelBase;

/**
 * The fair scheduling class over the task-group hierarchy (docs/kernel/sched-fair.md section 2). Each
 * CPU has one run queue per group; a group is represented in its parent's queue by a group entity
 * whose weight is the group's shares split across CPUs in proportion to the group's load there
 * (calc_group_shares, with instantaneous load instead of PELT averages, recomputed on every CPU
 * where the group is queued whenever its load changes anywhere).
 *
 * <p>Two parts are strategies chosen once when the kernel is built: the {@link PickRule} (CFS or
 * EEVDF: placement, pick, preemption) and the {@link Throttling} model of bandwidth control, whose
 * runtime accounting, throttling and timers are {@link CfsBandwidthControl}.
 */
final class FairClass {
    final SchedCore core;
    final PickRule rule;
    final TaskGroup root;
    final Throttling throttling;
    final CfsBandwidthControl bandwidth;
    /** The release whose bandwidth rules (burst statistics, period-timer phase) apply. */
    final KernelVersion version;
    private final int nrCpus;
    private long nextGroupKey = -1;

    FairClass(SchedCore core, KernelBase kernel, PickRule rule, int nrCpus, ThrottleModel throttleModel,
            KernelVersion version) {
        this.core = core;
        this.version = version;
        this.rule = rule;
        this.nrCpus = nrCpus;
        this.root = new TaskGroup("/", "", null, nrCpus, rule.order(), 0);
        this.bandwidth = new CfsBandwidthControl(core, kernel, this, nrCpus);
        this.throttling = switch (throttleModel) {
            case CFS_RQ -> new CfsRqThrottling(this);
            case TASK_BASED -> new TaskBasedThrottling(this);
        };
    }

    TaskGroup newGroup(TaskGroup parent, String name) {
        String path = parent.isRoot() ? "/" + name : parent.path + "/" + name;
        TaskGroup g = new TaskGroup(path, name, parent, nrCpus, rule.order(), nextGroupKey--);
        parent.children.add(g);
        return g;
    }

    /** Brings every running task's accounting up to now (for readers of statistics). */
    void accountAll() {
        if (core.mayAccount()) {
            for (int c = 0; c < nrCpus; c++) {
                core.accountCpu(c);
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

    void enqueueEntity(CfsRq rq, SchedEntity se, boolean wakeup, boolean initial) {
        rq.updateMinVruntime();
        rule.place(rq, se, wakeup, initial);
        se.cfsRq = rq;
        se.onRq = true;
        if (se != rq.curr) {
            rq.insert(se);
        }
        rq.addLoad(se.weight);
        rq.nrRunning++;
        loadChanged(rq, se.weight);
    }

    void dequeueEntity(CfsRq rq, SchedEntity se, boolean sleep) {
        rq.updateMinVruntime();
        rule.onDequeue(rq, se, sleep);
        if (se != rq.curr) {
            rq.remove(se);
        } else {
            rq.curr = null;
        }
        se.onRq = false;
        rq.addLoad(-se.weight);
        rq.nrRunning--;
        loadChanged(rq, -se.weight);
        rq.updateMinVruntime();
        if (rq.nrRunning == 0) {
            bandwidth.returnRuntime(rq);
        }
    }

    /**
     * update_cfs_group after the load of queue {@code rq} changed by {@code delta}: the group's
     * total load changes, so its entity's share (calc_group_shares) changes on every CPU where it is
     * queued, not only on this one; the changes of the entities' weights are the load changes of the
     * parent group, level by level up to the root.
     *
     * <p>5.14 re-evaluates a CPU's group entities at that CPU's enqueue, dequeue and tick
     * (entity_tick calls update_cfs_group for curr's hierarchy), from PELT averages; kemu has
     * instantaneous loads and no tick here, so it re-evaluates every CPU's entity at once. Without
     * this, an entity keeps the share it got when it was enqueued: the first CPU a group reached kept
     * the group's whole shares, and in test_cpucg_nested_weight_overprovisioned leaf B got 70% of
     * the machine instead of 50%.
     */
    private void loadChanged(CfsRq rq, long delta) {
        int origin = rq.cpu;
        java.util.BitSet touched = null;
        // a level whose entities kept their weights changes nothing above it; a level whose weights
        // moved between CPUs changes the parent's queues even when its total stays the same
        boolean changed = delta != 0;
        for (TaskGroup g = rq.tg; !g.isRoot() && changed; g = g.parent) {
            g.totalLoad += delta;
            long parentDelta = 0;
            changed = false;
            for (int c = 0; c < nrCpus; c++) {
                GroupEntity se = g.se[c];
                long w = groupWeight(g, g.cfsRq[c]);
                if (w == se.weight) {
                    continue;
                }
                if (!se.onRq) {
                    se.weight = w;
                    continue;
                }
                if (c != origin) {
                    // update_curr before the weight changes: the time so far ran at the old weight
                    if (core.mayAccount()) {
                        core.accountCpu(c);
                    }
                    if (touched == null) {
                        touched = new java.util.BitSet(nrCpus);
                    }
                    touched.set(c);
                }
                long before = se.weight;
                rule.reweight(se.cfsRq, se, w);
                parentDelta += w - before;
                changed = true;
            }
            delta = parentDelta;
        }
        if (touched != null) {
            // the other CPUs' slices depend on the new weights; the caller re-plans its own CPU
            for (int c = touched.nextSetBit(0); c >= 0; c = touched.nextSetBit(c + 1)) {
                core.replan(c);
            }
        }
    }

    /** calc_group_shares with instantaneous loads: the group's shares split by this queue's part of its load. */
    static long groupWeight(TaskGroup g, CfsRq rq) {
        long shares = g.idle ? Nice.WEIGHT_IDLEPRIO : g.shares;
        if (rq.load == 0 || g.totalLoad <= 0) {
            return shares;
        }
        long w = shares * rq.load / g.totalLoad;
        return Math.max(Math.min(TaskGroup.MIN_SHARES, shares), Math.min(shares, w));
    }

    /** Re-evaluates a group's entity weights on every CPU after its shares changed. */
    void sharesChanged(TaskGroup g) {
        for (int c = 0; c < nrCpus; c++) {
            core.accountCpu(c);
            CfsRq rq = g.cfsRq[c];
            GroupEntity se = g.se[c];
            long w = groupWeight(g, rq);
            reweightEntity(se, w);
            core.cpuChanged(c);
        }
    }

    // ---- task level ---------------------------------------------------------------------------

    /** The group entity above queue {@code rq} on its CPU, or null for a root queue. */
    static SchedEntity parentEntity(CfsRq rq) {
        return rq.tg.isRoot() ? null : rq.tg.se[rq.cpu];
    }

    /**
     * enqueue_task_fair: queues {@code t} on CPU {@code c} and each group entity above it that was
     * not queued, stopping at a queue the throttling model hides; h_nr_running goes up to that point.
     */
    void enqueueTask(SimCpu c, SimTask t, boolean wakeup, boolean initial) {
        CfsRq rq = t.tg.cfsRq[c.id];
        if (!initial && t.cfsRq != null && t.cfsRq != rq) {
            rule.migrate(t, t.cfsRq, rq);
        }
        t.cfsRq = rq;
        if (throttling.holdsBack(t, rq)) {
            return;
        }
        SchedEntity se = t;
        while (se != null && !se.onRq) {
            rq = se.cfsRq;
            enqueueEntity(rq, se, wakeup, initial);
            throttling.entityEnqueued(rq);
            rq.addHNrRunning(1);
            if (throttling.hides(rq)) {
                return;
            }
            se = parentEntity(rq);
            initial = false;
            wakeup = true;
        }
        while (se != null) {
            rq = se.cfsRq;
            rq.addHNrRunning(1);
            if (throttling.hides(rq)) {
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
        CfsRq own = t.cfsRq;
        boolean wasCurr = own.curr == t;
        SchedEntity se = t;
        while (se != null) {
            CfsRq rq = se.cfsRq;
            dequeueEntity(rq, se, sleep);
            rq.addHNrRunning(-1);
            if (throttling.hides(rq)) {
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
            rq.addHNrRunning(-1);
            if (throttling.hides(rq)) {
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
     * put_prev_task_fair at a preemption: {@code t} stops running but stays runnable; each level
     * puts its entity back and checks its runtime, throttling a queue that ran out
     * (check_cfs_rq_runtime); then the throttling model may take {@code t} off.
     */
    void putPrevTask(SimCpu c, SimTask t) {
        putPrevChain(c, t, t);
        throttling.preempted(c, t);
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
            if (rq.runtimeEnabled && rq.runtimeRemaining <= 0 && !rq.throttled && throttling.throttlesFor(rq, t)) {
                bandwidth.throttle(rq);
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
                    bandwidth.assignRuntime(rq, CfsBandwidth.SLICE_NS);
                }
            }
            se = rq.tg.isRoot() ? null : rq.tg.se[c.id];
        }
        // account_system_time for kthreads and user tasks inside a syscall, else account_user_time,
        // whose CPUTIME_NICE (nice above 0) rstat adds to both utime and ntime
        boolean system = t.kthread || t.task.kernelDepth > 0;
        boolean nice = !system && t.task.nice > 0;
        for (TaskGroup g = t.tg; g != null; g = g.parent) {
            g.usageNs += delta;
            if (system) {
                g.systemNs += delta;
            } else {
                g.userNs += delta;
                if (nice) {
                    g.niceNs += delta;
                }
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
        boolean bandwidthApplies = throttling.limits(t);
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
        if (woken.task.policy == SchedPolicy.IDLE && curr.task.policy != SchedPolicy.IDLE) {
            return false;
        }
        if (curr.task.policy == SchedPolicy.IDLE && woken.task.policy != SchedPolicy.IDLE) {
            return true;
        }
        if (woken.task.policy == SchedPolicy.BATCH) {
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
        reweightEntity(t, weight);
    }

    /** reweight_entity: a queued entity changes weight by the pick rule and moves its queue's load. */
    private void reweightEntity(SchedEntity se, long weight) {
        if (se.onRq) {
            long before = se.weight;
            rule.reweight(se.cfsRq, se, weight);
            loadChanged(se.cfsRq, weight - before);
        } else {
            se.weight = weight;
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
}
