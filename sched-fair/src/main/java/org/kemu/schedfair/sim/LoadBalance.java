package org.kemu.schedfair.sim;

import org.kemu.schedfair.TickGrid;
import java.util.List;
import org.kemu.schedfair.Topology;
import org.kemu.schedfair.internal.HrTimer;
import org.kemu.schedfair.internal.KernelBase;

/**
 * Load balancing of kernel/sched/fair.c v5.14: the periodic balance of the scheduler softirq
 * (rebalance_domains, with nohz idle balancing on behalf of idle CPUs), newidle_balance, and their
 * common load_balance: should_we_balance, find_busiest_group (update_sg_lb_stats, group_classify,
 * update_sd_pick_busiest, calculate_imbalance with adjust_numa_imbalance), find_busiest_queue,
 * detach_tasks (can_migrate_task, task_hot) and active balancing.
 *
 * <p>What is not modelled: PELT. Loads are instantaneous (cpu_load is the root queue's weight,
 * a CPU's utilization is full capacity while it runs a task, a task's utilization full capacity),
 * as FairClass's group shares already are. NUMA balancing and misfit and asym-packing groups are
 * absent. Tasks whose affinity keeps them off the balancing CPU are handled as 5.14 does: a
 * destination-group CPU they may use is retried (LBF_DST_PINNED), and a balance that fails on them
 * marks the parent level's group imbalanced (sgc->imbalance), which forces a one-task migration
 * there. The ticks at which
 * the softirq runs are one balancing timer on the tick grid, armed at the earliest CPU's
 * next_balance while some CPU is busy (idle CPUs have no tick, nohz); whether a busy CPU would kick
 * the idle-load balancer (nohz_balancer_kick: a CPU with two tasks, or two busy CPUs in one LLC) is
 * evaluated when the timer fires. The cost of balancing itself is not charged, so
 * sd->max_newidle_lb_cost stays 0.
 */
final class LoadBalance {
    /** sysctl_sched_migration_cost: 0.5 ms. */
    static final long MIGRATION_COST_NS = 500_000;
    /** sysctl_sched_nr_migrate. */
    static final int NR_MIGRATE = 32;
    /** NUMA_IMBALANCE_MIN. */
    static final int NUMA_IMBALANCE_MIN = 2;
    static final long SCHED_CAPACITY_SCALE = 1024;
    static final long NO_STAMP = Long.MIN_VALUE;

    enum Idle { CPU_IDLE, CPU_NOT_IDLE, CPU_NEWLY_IDLE }

    /** enum group_type, in 5.14's order (misfit and asym packing never arise here). */
    enum GroupType { HAS_SPARE, FULLY_BUSY, MISFIT_TASK, ASYM_PACKING, IMBALANCED, OVERLOADED }

    enum Migration { LOAD, UTIL, TASK }

    private final SchedCore core;
    private final FairClass fair;
    private final SimCpu[] cpus;
    /** idle_cpu, h_nr_running and load of every CPU, and rd->overload, without a scan. */
    final RootDomain rd;
    /** Each CPU's lowest domain (rq->sd), or null. */
    final SchedDomain[] sd;
    /** sd_llc: the highest domain sharing the cache. */
    final SchedDomain[] sdLlc;
    final Topology topo;
    private final long tickNs;
    private final TickGrid ticks;
    private final long maxIntervalJiffies;
    /** rq->next_balance, in jiffies. */
    private final long[] nextBalance;
    /** rq->avg_idle and rq->idle_stamp. */
    final long[] avgIdle;
    final long[] idleStamp;
    private final HrTimer timer;

    LoadBalance(SchedCore core, KernelBase kernel, FairClass fair, RootDomain rd, SimCpu[] cpus, Topology topo,
            TickGrid ticks) {
        this.core = core;
        this.fair = fair;
        this.rd = rd;
        this.cpus = cpus;
        this.topo = topo;
        this.ticks = ticks;
        long tickNs = ticks.tickNs();
        this.tickNs = tickNs;
        int n = cpus.length;
        this.sd = new SchedDomain[n];
        this.sdLlc = new SchedDomain[n];
        this.nextBalance = new long[n];
        this.avgIdle = new long[n];
        this.idleStamp = new long[n];
        this.groupImbalance = new boolean[SchedDomain.Level.values().length + 1][n];
        SchedDomain.Machine machine = SchedDomain.buildMachine(topo);
        SchedDomain[] built = machine.domains();
        rd.useSpans(machine.spanFirst());
        for (int c = 0; c < n; c++) {
            sd[c] = built[c];
            for (SchedDomain d = sd[c]; d != null; d = d.parent) {
                if (d.has(SchedDomain.SD_SHARE_PKG_RESOURCES)) {
                    sdLlc[c] = d;
                }
            }
            // sched_init: avg_idle = 2 * sysctl_sched_migration_cost
            avgIdle[c] = 2 * MIGRATION_COST_NS;
            idleStamp[c] = NO_STAMP;
        }
        int[] llc = new int[n];
        for (int c = 0; c < n; c++) {
            llc[c] = sdLlc[c] != null ? topo.llcOf(c) : -1;
        }
        rd.useLlcs(llc);
        // max_load_balance_interval = HZ * num_online_cpus() / 10
        this.maxIntervalJiffies = Math.max(1, 1_000_000_000L / tickNs * n / 10);
        this.timer = new HrTimer(kernel, "sched_balance", this::softirq);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private long jiffies() {
        return ticks.jiffies(core.now());
    }

    boolean idleCpu(int c) {
        return rd.idle(c);
    }

    long cpuLoad(int c) {
        return rd.load[c];
    }

    int nrRunning(int c) {
        return rd.nrRunning[c];
    }

    private long cpuUtil(int c) {
        return cpus[c].curr != null ? SCHED_CAPACITY_SCALE : 0;
    }

    /** task_h_load: the task's weight seen from the root queue. */
    static long taskHLoad(SimTask t) {
        long load = t.weight;
        for (CfsRq rq = t.cfsRq; rq != null && !rq.tg.isRoot();) {
            SchedEntity se = rq.tg.se[rq.cpu];
            load = load * se.weight / Math.max(1, rq.load);
            rq = se.cfsRq;
        }
        return load;
    }

    /** get_sd_balance_interval, in jiffies. */
    private long interval(SchedDomain d, boolean busy) {
        long ms = d.balanceIntervalMs * (busy ? d.busyFactor : 1);
        long j = Math.ceilDiv(ms * 1_000_000L, tickNs);
        return Math.max(1, Math.min(j, maxIntervalJiffies));
    }

    // ---- the softirq and its timer --------------------------------------------------------------

    /** A CPU started running: with the tick running again the softirq may be due. */
    void cpuBusy() {
        if (!timer.isArmed()) {
            arm();
        }
    }

    /** Arms the timer at the first tick at which a busy CPU's, or (nohz) an idle CPU's, balance is due. */
    private void arm() {
        long busyNext = Long.MAX_VALUE;
        long idleNext = Long.MAX_VALUE;
        for (int c = 0; c < cpus.length; c++) {
            if (sd[c] == null) {
                continue;
            }
            if (idleCpu(c)) {
                idleNext = Math.min(idleNext, nextBalance[c]);
            } else {
                busyNext = Math.min(busyNext, nextBalance[c]);
            }
        }
        if (busyNext == Long.MAX_VALUE) {
            return; // every CPU idle: no tick anywhere
        }
        long j = Math.max(jiffies() + 1, kickable() ? Math.min(busyNext, idleNext) : busyNext);
        timer.start(ticks.tickOf(j));
    }

    /**
     * nohz_balancer_kick's reasons to kick the idle-load balancer: a CPU with two runnable tasks, or an
     * LLC with more than one busy CPU (sds->nr_busy_cpus > 1).
     */
    private boolean kickable() {
        return rd.overloaded() || rd.llcWithTwoBusy();
    }

    /**
     * run_rebalance_domains at a tick: each busy CPU whose next_balance is due balances for itself
     * (scheduler_tick -> trigger_load_balance); when a busy CPU would kick the idle-load balancer,
     * _nohz_idle_balance balances each due idle CPU as CPU_IDLE.
     */
    private void softirq() {
        long now = jiffies();
        boolean kick = kickable();
        for (int c = 0; c < cpus.length; c++) {
            if (sd[c] == null || nextBalance[c] > now) {
                continue;
            }
            boolean idle = idleCpu(c);
            if (!idle) {
                rebalanceDomains(c, Idle.CPU_NOT_IDLE);
            } else if (kick) {
                rebalanceDomains(c, Idle.CPU_IDLE);
            }
        }
        arm();
    }

    /** rebalance_domains. */
    private void rebalanceDomains(int cpu, Idle idle) {
        long now = jiffies();
        boolean busy = idle != Idle.CPU_IDLE;
        long next = now + 60_000_000_000L / tickNs;
        for (SchedDomain d = sd[cpu]; d != null; d = d.parent) {
            long interval = interval(d, busy);
            boolean cont = true;
            if (now >= d.lastBalanceJiffies + interval) {
                rebalanceContinue[0] = 1;
                if (loadBalance(cpu, d, idle, rebalanceContinue) > 0) {
                    idle = idleCpu(cpu) ? Idle.CPU_IDLE : Idle.CPU_NOT_IDLE;
                    busy = idle != Idle.CPU_IDLE;
                }
                cont = rebalanceContinue[0] != 0;
                d.lastBalanceJiffies = now;
                interval = interval(d, busy);
            }
            next = Math.min(next, d.lastBalanceJiffies + interval);
            if (!cont) {
                break;
            }
        }
        nextBalance[cpu] = next;
    }

    // ---- newidle --------------------------------------------------------------------------------

    /**
     * newidle_balance: a CPU about to go idle pulls from its domains bottom-up, unless it expects to be
     * idle for less than the migration cost (avg_idle) or no CPU has two tasks (rd->overload).
     */
    boolean newidleBalance(int cpu) {
        idleStamp[cpu] = core.now();
        if (sd[cpu] == null || avgIdle[cpu] < MIGRATION_COST_NS || !rd.overloaded()) {
            return false;
        }
        boolean pulled = false;
        for (SchedDomain d = sd[cpu]; d != null; d = d.parent) {
            // avg_idle < curr_cost + sd->max_newidle_lb_cost: both 0 here (no modelled cost)
            if (d.has(SchedDomain.SD_BALANCE_NEWIDLE)) {
                pulled = loadBalance(cpu, d, Idle.CPU_NEWLY_IDLE, newidleContinue) > 0;
            }
            if (pulled || fair.nrRunning(cpus[cpu]) > 0) {
                break;
            }
        }
        if (pulled) {
            idleStamp[cpu] = NO_STAMP;
        }
        return pulled;
    }


    /** ttwu_do_wakeup: a task woken on a CPU that had gone idle updates its avg_idle (update_avg, 1/8). */
    void wokenOn(int cpu) {
        if (idleStamp[cpu] == NO_STAMP) {
            return;
        }
        long delta = core.now() - idleStamp[cpu];
        long max = 2 * MIGRATION_COST_NS; // 2 * rq->max_idle_balance_cost (never raised: no cost modelled)
        avgIdle[cpu] += (delta - avgIdle[cpu]) / 8;
        if (avgIdle[cpu] > max) {
            avgIdle[cpu] = max;
        }
        idleStamp[cpu] = NO_STAMP;
    }

    // ---- load_balance ---------------------------------------------------------------------------

    /** struct sg_lb_stats. */
    static final class GroupStats {
        long load;
        long util;
        long runnable;
        long capacity;
        int sumNrRunning;
        int sumHNrRunning;
        int idleCpus;
        int weight;
        long avgLoad;
        GroupType type = GroupType.HAS_SPARE;

        /** Back to a fresh struct sg_lb_stats (the kernel memsets it before update_sg_lb_stats). */
        void clear() {
            load = 0;
            util = 0;
            runnable = 0;
            capacity = 0;
            sumNrRunning = 0;
            sumHNrRunning = 0;
            idleCpus = 0;
            weight = 0;
            avgLoad = 0;
            type = GroupType.HAS_SPARE;
        }
    }

    /**
     * The three sg_lb_stats find_busiest_group needs at once (local, busiest so far, the group being
     * read), reused from call to call: load balancing runs on every tick of every busy CPU, and a new
     * struct per group was most of its allocation. Which object plays which role changes as groups
     * are compared; only one balance runs at a time (the sim engine's baton).
     */
    private final GroupStats[] statsSlots = {new GroupStats(), new GroupStats(), new GroupStats()};

    /** struct lb_env. */
    private static final class Env {
        SchedDomain sd;
        int dstCpu;
        int srcCpu;
        Idle idle;
        long imbalance;
        Migration migration = Migration.LOAD;
        boolean allPinned;
        /** LBF_SOME_PINNED: a task could not move because the destination is outside its affinity. */
        boolean somePinned;
        /** LBF_DST_PINNED and new_dst_cpu: a CPU of the destination group that such a task may use. */
        boolean dstPinned;
        int newDstCpu;
        /** env->cpus as the CPUs taken out of it (busiest queues all pinned, destinations tried). */
        java.util.BitSet excluded;
        int loop;
        int loopMax;
        boolean activeLb;

        /** As a new struct lb_env starts. */
        void reset(SchedDomain d, int dst, Idle i) {
            sd = d;
            dstCpu = dst;
            srcCpu = 0;
            idle = i;
            imbalance = 0;
            migration = Migration.LOAD;
            allPinned = false;
            somePinned = false;
            dstPinned = false;
            newDstCpu = -1;
            excluded = NONE_EXCLUDED;
            loop = 0;
            loopMax = 0;
            activeLb = false;
        }
    }

    /**
     * The lb_env of each balance in progress, reused: a balance can set off another (a pull that
     * empties the source CPU runs its newidle balance), so there is one per nesting depth.
     */
    private final java.util.ArrayList<Env> envs = new java.util.ArrayList<>();
    private int envDepth;

    /**
     * load_balance's continue_balancing out-parameter, not allocated per call: one for
     * rebalance_domains (the softirq never nests), one for newidle balancing, which does not read it,
     * so the newidle balances a pull can set off inside another balance may share it.
     */
    private final int[] rebalanceContinue = {1};
    private final int[] newidleContinue = {1};
    /**
     * sgc->imbalance of each sched group, shared as the kernel's sched_group_capacity is by every
     * CPU's copy of a group of that span: indexed by the group's level (SchedDomain.groupLevel + 1)
     * and its first CPU.
     */
    private final boolean[][] groupImbalance;
    /** The empty set of excluded CPUs a balance starts with; never written. */
    private static final java.util.BitSet NONE_EXCLUDED = new java.util.BitSet();

    private int loadBalance(int cpu, SchedDomain d, Idle idle, int[] continueBalancing) {
        if (envDepth == envs.size()) {
            envs.add(new Env());
        }
        Env env = envs.get(envDepth++);
        env.reset(d, cpu, idle);
        try {
            return loadBalance(env, cpu, d, idle, continueBalancing);
        } finally {
            envDepth--;
        }
    }

    private int loadBalance(Env env, int cpu, SchedDomain d, Idle idle, int[] continueBalancing) {
        int moved = 0;
        boolean active = false;
        while (true) {
            if (!shouldWeBalance(env)) {
                continueBalancing[0] = 0;
                return outBalanced(d, env);
            }
            int[] group = findBusiestGroup(env, env.excluded);
            if (group == null) {
                return outBalanced(d, env);
            }
            int busiest = findBusiestQueue(env, group, env.excluded);
            if (busiest < 0) {
                return outBalanced(d, env);
            }
            env.srcCpu = busiest;
            env.allPinned = true;
            if (fair.nrRunning(cpus[busiest]) > 1) {
                env.loop = 0;
                env.loopMax = Math.min(NR_MIGRATE, fair.nrRunning(cpus[busiest]));
                moved += detachTasks(env);
                // more_balance: tasks the destination's affinity refused go to another CPU of its group
                while (env.dstPinned && env.imbalance > 0) {
                    exclude(env, env.dstCpu);
                    env.dstCpu = env.newDstCpu;
                    env.dstPinned = false;
                    env.loop = 0;
                    moved += detachTasks(env);
                }
                // affinity kept this level from balancing: the parent sees this group as imbalanced
                if (d.parent != null && env.somePinned && env.imbalance > 0) {
                    setGroupImbalance(d.parent, true);
                }
                if (env.allPinned) {
                    exclude(env, busiest);
                    boolean subset = true;
                    for (int c : d.span) {
                        if (!env.excluded.get(c) && !inGroup(d.groups[0], c)) {
                            subset = false;
                        }
                    }
                    if (!subset) {
                        continue; // redo without the all-pinned CPU
                    }
                    d.nrBalanceFailed = 0;
                    return outOnePinned(d, env);
                }
            }
            break;
        }
        if (moved == 0) {
            if (idle != Idle.CPU_NEWLY_IDLE) {
                d.nrBalanceFailed++;
            }
            if (needActiveBalance(env)) {
                SimTask curr = cpus[env.srcCpu].curr;
                if (curr == null || !curr.task.affinity.contains(cpu)) {
                    return outOnePinned(d, env);
                }
                env.allPinned = false;
                active = true;
                if (activeLoadBalance(env.srcCpu, cpu)) {
                    d.nrBalanceFailed = d.cacheNiceTries + 1;
                }
            }
        } else {
            d.nrBalanceFailed = 0;
        }
        if (!active || needActiveBalance(env)) {
            d.balanceIntervalMs = d.minIntervalMs;
        }
        return moved;
    }

    /** __cpumask_clear_cpu(cpu, env->cpus). */
    private static void exclude(Env env, int cpu) {
        if (env.excluded == NONE_EXCLUDED) {
            env.excluded = new java.util.BitSet();
        }
        env.excluded.set(cpu);
    }

    /** sd_parent->groups->sgc->imbalance: the flag of the parent's local group, the span this level balances. */
    private void setGroupImbalance(SchedDomain parent, boolean on) {
        groupImbalance[parent.groupLevel + 1][parent.groups[0][0]] = on;
    }

    /** sg_imbalanced for group {@code i} of {@code d}. */
    private boolean groupImbalanced(SchedDomain d, int i) {
        return groupImbalance[d.groupLevel + 1][d.groups[i][0]];
    }

    private int outBalanced(SchedDomain d, Env env) {
        // balanced, although maybe after affinity trouble: other tasks got their chance to fix it
        if (d.parent != null && !env.allPinned) {
            setGroupImbalance(d.parent, false);
        }
        d.nrBalanceFailed = 0;
        return outOnePinned(d, env);
    }

    private int outOnePinned(SchedDomain d, Env env) {
        if (env.idle == Idle.CPU_NEWLY_IDLE) {
            return 0;
        }
        // tune up the balancing interval (MAX_PINNED_INTERVAL = 512 ms when all were pinned)
        if ((env.allPinned && d.balanceIntervalMs < 512) || d.balanceIntervalMs < d.maxIntervalMs) {
            d.balanceIntervalMs *= 2;
        }
        return 0;
    }

    private static boolean inGroup(int[] g, int c) {
        for (int x : g) {
            if (x == c) {
                return true;
            }
        }
        return false;
    }

    /**
     * should_we_balance: a newly idle CPU always; otherwise only the first idle CPU of the local
     * group, or its first CPU when none is idle, balances this level.
     */
    private boolean shouldWeBalance(Env env) {
        if (env.idle == Idle.CPU_NEWLY_IDLE) {
            return true;
        }
        // a group is a span in CPU order, so its first idle CPU is the first one met; the root
        // domain's idle mask says whether there is one without the walk
        int[] local = env.sd.groups[0];
        if (rd.anyIdleIn(env.sd.groupLevel, local[0])) {
            for (int c : local) {
                if (idleCpu(c)) {
                    return c == env.dstCpu;
                }
            }
        }
        return local[0] == env.dstCpu;
    }

    /**
     * update_sg_lb_stats with group_classify, for group {@code i} of {@code d}: the root domain's
     * sums of the group's span, or a walk of its CPUs while some are excluded (LBF_ALL_PINNED redo).
     */
    private GroupStats groupStats(GroupStats s, SchedDomain d, int i, java.util.BitSet excluded) {
        s.clear();
        int[] g = d.groups[i];
        int imbalancePct = d.imbalancePct;
        if (excluded.isEmpty()) {
            rd.groupSums(d.groupLevel, g[0], s);
        } else {
            for (int c : g) {
                if (excluded.get(c)) {
                    continue;
                }
                int nr = nrRunning(c);
                s.load += cpuLoad(c);
                s.util += cpuUtil(c);
                s.runnable += nr * SCHED_CAPACITY_SCALE;
                s.sumHNrRunning += nr;
                s.sumNrRunning += nr;
                if (nr == 0 && idleCpu(c)) {
                    s.idleCpus++;
                }
            }
        }
        s.weight = g.length;
        s.capacity = g.length * SCHED_CAPACITY_SCALE;
        s.type = classify(imbalancePct, s);
        if (s.type != GroupType.OVERLOADED && groupImbalanced(d, i)) {
            // group_classify: sg_imbalanced comes right after group_is_overloaded
            s.type = GroupType.IMBALANCED;
        }
        if (s.type == GroupType.OVERLOADED) {
            s.avgLoad = s.load * SCHED_CAPACITY_SCALE / s.capacity;
        }
        return s;
    }

    /** group_classify: group_is_overloaded, then !group_has_capacity. */
    static GroupType classify(int pct, GroupStats s) {
        boolean overloaded = s.sumNrRunning > s.weight
                && (s.capacity * 100 < s.util * pct || s.capacity * pct < s.runnable * 100);
        if (overloaded) {
            return GroupType.OVERLOADED;
        }
        boolean hasCapacity = s.sumNrRunning < s.weight
                || (s.capacity * pct >= s.runnable * 100 && s.capacity * 100 > s.util * pct);
        return hasCapacity ? GroupType.HAS_SPARE : GroupType.FULLY_BUSY;
    }

    /** update_sd_pick_busiest. */
    private static boolean pickBusiest(GroupStats busiest, GroupStats s) {
        if (s.sumHNrRunning == 0) {
            return false;
        }
        if (s.type.ordinal() != busiest.type.ordinal()) {
            return s.type.ordinal() > busiest.type.ordinal();
        }
        return switch (s.type) {
            case OVERLOADED, FULLY_BUSY -> s.avgLoad > busiest.avgLoad;
            case HAS_SPARE -> s.idleCpus < busiest.idleCpus
                    || (s.idleCpus == busiest.idleCpus && s.sumNrRunning > busiest.sumNrRunning);
            default -> false;
        };
    }

    /** find_busiest_group with update_sd_lb_stats and calculate_imbalance; null when balanced. */
    private int[] findBusiestGroup(Env env, java.util.BitSet excluded) {
        SchedDomain d = env.sd;
        GroupStats local = null;
        GroupStats busiest = statsSlots[1];
        GroupStats scratch = statsSlots[2];
        busiest.clear();
        busiest.idleCpus = Integer.MAX_VALUE;
        int[] busiestGroup = null;
        long totalLoad = 0;
        long totalCapacity = 0;
        for (int i = 0; i < d.groups.length; i++) {
            GroupStats s = groupStats(i == 0 ? statsSlots[0] : scratch, d, i, excluded);
            totalLoad += s.load;
            totalCapacity += s.capacity;
            if (i == 0) {
                local = s;
            } else if (pickBusiest(busiest, s)) {
                // the old busiest becomes the next group's scratch
                scratch = busiest;
                busiest = s;
                busiestGroup = d.groups[i];
            }
        }
        boolean preferSibling = d.child != null && d.child.has(SchedDomain.SD_PREFER_SIBLING);
        if (busiestGroup == null) {
            return null;
        }
        if (busiest.type == GroupType.IMBALANCED) {
            // affinity made the averages meaningless: force a one-task move (calculate_imbalance)
            env.migration = Migration.TASK;
            env.imbalance = 1;
            return busiestGroup;
        }
        long sdsAvgLoad = 0;
        if (local.type.ordinal() > busiest.type.ordinal()) {
            return null;
        }
        if (local.type == GroupType.OVERLOADED) {
            if (local.avgLoad >= busiest.avgLoad) {
                return null;
            }
            sdsAvgLoad = totalLoad * SCHED_CAPACITY_SCALE / totalCapacity;
            if (local.avgLoad >= sdsAvgLoad) {
                return null;
            }
            if (100 * busiest.avgLoad <= d.imbalancePct * local.avgLoad) {
                return null;
            }
        }
        boolean force = preferSibling && local.type == GroupType.HAS_SPARE
                && busiest.sumNrRunning > local.sumNrRunning + 1;
        if (!force && busiest.type != GroupType.OVERLOADED) {
            if (env.idle == Idle.CPU_NOT_IDLE) {
                return null;
            }
            if (busiest.weight > 1 && local.idleCpus <= busiest.idleCpus + 1) {
                return null;
            }
            if (busiest.sumHNrRunning == 1) {
                return null;
            }
        }
        calculateImbalance(env, local, busiest, preferSibling, totalLoad, totalCapacity);
        return env.imbalance > 0 ? busiestGroup : null;
    }

    /** calculate_imbalance (v5.14), the NUMA allowance included. */
    private void calculateImbalance(Env env, GroupStats local, GroupStats busiest, boolean preferSibling,
            long totalLoad, long totalCapacity) {
        SchedDomain d = env.sd;
        if (local.type == GroupType.HAS_SPARE) {
            if (busiest.type.ordinal() > GroupType.FULLY_BUSY.ordinal() && !d.has(SchedDomain.SD_SHARE_PKG_RESOURCES)) {
                env.migration = Migration.UTIL;
                env.imbalance = Math.max(local.capacity, local.util) - local.util;
                if (env.idle != Idle.CPU_NOT_IDLE && env.imbalance == 0) {
                    env.migration = Migration.TASK;
                    env.imbalance = 1;
                }
                return;
            }
            env.migration = Migration.TASK;
            if (busiest.weight == 1 || preferSibling) {
                env.imbalance = Math.max(0, busiest.sumNrRunning - local.sumNrRunning) >> 1;
            } else {
                env.imbalance = Math.max(0, local.idleCpus - busiest.idleCpus) >> 1;
            }
            if (d.has(SchedDomain.SD_NUMA)) {
                env.imbalance = adjustNumaImbalance(env.imbalance, busiest.sumNrRunning, busiest.weight);
            }
            return;
        }
        long sdsAvgLoad = totalLoad * SCHED_CAPACITY_SCALE / totalCapacity;
        if (local.type.ordinal() < GroupType.OVERLOADED.ordinal()) {
            local.avgLoad = local.load * SCHED_CAPACITY_SCALE / local.capacity;
            if (local.avgLoad >= busiest.avgLoad) {
                env.imbalance = 0;
                return;
            }
        }
        env.migration = Migration.LOAD;
        env.imbalance = Math.max(0, Math.min((busiest.avgLoad - sdsAvgLoad) * busiest.capacity,
                (sdsAvgLoad - local.avgLoad) * local.capacity) / SCHED_CAPACITY_SCALE);
    }

    /**
     * allow_numa_imbalance / adjust_numa_imbalance (v5.11 to v5.15): while the busiest node runs fewer
     * tasks than a quarter of its CPUs, an imbalance of up to NUMA_IMBALANCE_MIN tasks is left alone.
     */
    static long adjustNumaImbalance(long imbalance, int dstRunning, int dstWeight) {
        if (!allowNumaImbalance(dstRunning, dstWeight)) {
            return imbalance;
        }
        return imbalance <= NUMA_IMBALANCE_MIN ? 0 : imbalance;
    }

    static boolean allowNumaImbalance(int dstRunning, int dstWeight) {
        return dstRunning < (dstWeight >> 2);
    }

    /** find_busiest_queue. */
    private int findBusiestQueue(Env env, int[] group, java.util.BitSet excluded) {
        int busiest = -1;
        long busiestLoad = 0;
        long busiestUtil = 0;
        int busiestNr = 0;
        for (int c : group) {
            if (excluded.get(c)) {
                continue;
            }
            int nr = nrRunning(c);
            if (nr == 0) {
                continue;
            }
            switch (env.migration) {
                case LOAD -> {
                    long load = cpuLoad(c);
                    if (nr == 1 && load > env.imbalance) {
                        continue;
                    }
                    if (busiest < 0 || load > busiestLoad) {
                        busiestLoad = load;
                        busiest = c;
                    }
                }
                case UTIL -> {
                    long util = cpuUtil(c);
                    if (nr <= 1) {
                        continue;
                    }
                    if (busiestUtil < util) {
                        busiestUtil = util;
                        busiest = c;
                    }
                }
                case TASK -> {
                    if (busiestNr < nr) {
                        busiestNr = nr;
                        busiest = c;
                    }
                }
            }
        }
        return busiest;
    }

    /**
     * detach_tasks + attach_tasks: the queued tasks of the source CPU, longest-waiting first (the tail
     * of cfs_tasks), moved while the imbalance lasts. The kernel is taken as CONFIG_PREEMPTION=n (the
     * distributions' server kernels), so newidle balancing does not stop after the first task.
     */
    private int detachTasks(Env env) {
        if (env.imbalance <= 0) {
            return 0;
        }
        SimCpu src = cpus[env.srcCpu];
        List<SimTask> tasks = fair.pullable(src);
        int detached = 0;
        for (SimTask p : tasks) {
            if (env.idle != Idle.CPU_NOT_IDLE && fair.nrRunning(src) <= 1) {
                break;
            }
            if (++env.loop > env.loopMax) {
                break;
            }
            if (!canMigrateTask(p, env)) {
                continue;
            }
            switch (env.migration) {
                case LOAD -> {
                    long load = Math.max(taskHLoad(p), 1);
                    if ((load >> Math.min(env.sd.nrBalanceFailed, 63)) > env.imbalance) {
                        continue;
                    }
                    env.imbalance -= load;
                }
                case UTIL -> {
                    if (SCHED_CAPACITY_SCALE > env.imbalance) {
                        continue;
                    }
                    env.imbalance -= SCHED_CAPACITY_SCALE;
                }
                case TASK -> env.imbalance--;
            }
            core.migrateQueued(p, src, cpus[env.dstCpu], env.idle != Idle.CPU_NEWLY_IDLE);
            detached++;
            if (env.imbalance <= 0) {
                break;
            }
        }
        return detached;
    }

    /** can_migrate_task: not throttled at either end, allowed on the destination, and not cache hot. */
    private boolean canMigrateTask(SimTask p, Env env) {
        if (throttledLbPair(p, env.srcCpu) || throttledLbPair(p, env.dstCpu)) {
            return false;
        }
        if (!p.task.affinity.contains(env.dstCpu)) {
            env.somePinned = true;
            // remember a CPU of the destination group the task may use, to retry with it
            if (env.idle == Idle.CPU_NEWLY_IDLE || env.dstPinned || env.activeLb) {
                return false;
            }
            for (int c : env.sd.groups[0]) {
                if (!env.excluded.get(c) && p.task.affinity.contains(c)) {
                    env.dstPinned = true;
                    env.newDstCpu = c;
                    break;
                }
            }
            return false;
        }
        env.allPinned = false;
        if (env.activeLb) {
            return true;
        }
        return !taskHot(p, env) || env.sd.nrBalanceFailed > env.sd.cacheNiceTries;
    }

    /** throttled_lb_pair: the task's group is throttled (here or above) on that CPU. */
    private static boolean throttledLbPair(SimTask p, int cpu) {
        for (TaskGroup g = p.tg; g != null; g = g.parent) {
            if (g.cfsRq[cpu].throttled) {
                return true;
            }
        }
        return false;
    }

    /**
     * task_hot: SMT siblings share their caches; otherwise a task that ran within
     * sysctl_sched_migration_cost (0.5 ms, rq_clock_task - se.exec_start) is cache hot. A task that
     * never ran has exec_start 0 (__sched_fork) and is cold, whatever kemu's clock reads.
     */
    private boolean taskHot(SimTask p, Env env) {
        if (p.task.policy == org.kemu.schedfair.SchedPolicy.IDLE) {
            return false;
        }
        if (env.sd.has(SchedDomain.SD_SHARE_CPUCAPACITY)) {
            return false;
        }
        return p.hasRun && core.now() - p.execAt < MIGRATION_COST_NS;
    }

    /**
     * need_active_balance (v5.14): imbalanced_active_balance, i.e. a task-count imbalance that
     * failed more than cache_nice_tries + 2 times (the other reasons need asymmetric or reduced
     * capacities, which these machines lack).
     */
    private static boolean needActiveBalance(Env env) {
        return env.migration == Migration.TASK && env.sd.nrBalanceFailed > env.sd.cacheNiceTries + 2;
    }

    /**
     * active_load_balance_cpu_stop: the stopper on the busiest CPU preempts its task and
     * detach_one_task moves it to the pulling CPU. Returns whether a task moved.
     */
    private boolean activeLoadBalance(int src, int dst) {
        SimTask curr = cpus[src].curr;
        if (curr == null || curr.task.preemptCount > 0 || !idleCpu(dst) && fair.nrRunning(cpus[dst]) > 0
                || throttledLbPair(curr, dst)) {
            return false;
        }
        return core.migrateRunning(curr, cpus[src], cpus[dst]);
    }
}
