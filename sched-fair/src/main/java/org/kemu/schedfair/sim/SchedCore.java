package org.kemu.schedfair.sim;

import org.kemu.schedfair.TickGrid;
import org.kemu.schedfair.Topology;
import java.util.List;
import java.util.function.Supplier;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.TaskFailedException;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.TraceEvent;
import org.kemu.schedfair.Tracer;
import org.kemu.schedfair.internal.KernelBase;
import org.kemu.schedfair.internal.TaskAbort;
import org.kemu.schedfair.internal.TaskStruct;

/**
 * Core scheduling, as in kernel/sched/core.c: each CPU's state machine (curr, its work item and its
 * next event), select_task_rq, try_to_wake_up, schedule (pick, with newidle balance), preemption,
 * blocking and spinning, migration and do_exit's part. The policy of the fair class is
 * {@link FairClass}; the engine runs the CPU events this class plans.
 */
final class SchedCore implements SimEngine.EventSource {
    static final int EV_RESUME = 2;
    static final int EV_WORK_DONE = 3;
    static final int EV_PREEMPT = 4;

    private final SimEngine engine;
    private final RuntimeCosts costs;
    private final Tracer tracer;
    private final CpuMask online;
    final SimCpu[] cpus;
    final FairClass fair;
    /** Sched domains and load balancing (periodic, nohz idle and newidle). */
    final LoadBalance balance;
    /** Each CPU's idle state and root-queue counts, kept as they change. */
    private final RootDomain rd;
    private final SelectTaskRq placement;
    private final CpuEventHeap heap;
    private final MemoryBandwidthModel memory;
    /** TICK_NSEC: with HRTICK off, slices and runtime run out only at a tick (see {@link #atTick}). */
    private final long tickNs;
    private final TickGrid ticks;
    /** Bit {@code c} set while CPU {@code c} has a current task: which CPUs are busy, without visiting each. */
    private final long[] busy;
    /**
     * How many CPUs have a current task. The deepest package C-state a woken CPU may have to leave
     * (PC6) needs every CPU of the machine in core C6: on Xeons package C6 has system scope (Intel's
     * pepc doc "Xeon C6P and C6SP Idle States"), so any other busy CPU means a core-state exit only
     * ({@link CpuIdleLoop#exit}).
     */
    private int busyCpus;
    private final Topology topo;
    /** Whether {@link #completeOwnWork} may take a work item's end without the CPU heap (tests turn it off). */
    boolean ownEventShortcut = true;
    /** Work items ended by {@link #completeOwnWork}. */
    long ownEvents;
    /** Bumped on every change of some CPU's curr. */
    private long currGeneration;

    SchedCore(KernelBase kernel, SimEngine engine, KernelConfig config) {
        this.engine = engine;
        this.costs = config.machine().costs();
        this.tracer = kernel.tracer();
        this.online = kernel.onlineMask();
        var topo = config.machine().topology();
        int n = topo.nrCpus();
        this.cpus = new SimCpu[n];
        this.busy = new long[(n + 63) >>> 6];
        this.topo = topo;
        for (int i = 0; i < n; i++) {
            cpus[i] = new SimCpu(i, topo.nodeOf(i), new CpuIdleLoop(config.machine().idle(), config.tickGrid()));
            // every CPU is idle from boot until it is given a task
            cpus[i].idle.enter(0, Long.MAX_VALUE);
        }
        this.heap = new CpuEventHeap(n);
        this.memory = new MemoryBandwidthModel(this, config.machine().bandwidth(), topo.nodes(), tracer);
        this.tickNs = config.tickNs();
        this.ticks = config.tickGrid();
        PickRule rule = switch (config.pickPolicy()) {
            case CFS -> new CfsRule(n);
            case EEVDF -> new EevdfRule(n, tickNs);
        };
        this.fair = new FairClass(this, kernel, rule, n, config.throttleModel(), config.kernelVersion());
        this.rd = new RootDomain(cpus, fair.root.cfsRq);
        this.balance = new LoadBalance(this, kernel, fair, rd, cpus, topo, config.tickGrid());
        this.placement = new SelectTaskRq(balance, cpus, fair);
    }

    long now() {
        return engine.now;
    }

    SimCpu cpu(int id) {
        return cpus[id];
    }

    /** The first CPU at or above {@code from} with a current task, or -1 (a scan of {@link #busy}). */
    int nextBusyCpu(int from) {
        int w = from >>> 6;
        if (w >= busy.length) {
            return -1;
        }
        long word = busy[w] & (-1L << (from & 63));
        while (true) {
            if (word != 0) {
                return (w << 6) + Long.numberOfTrailingZeros(word);
            }
            if (++w == busy.length) {
                return -1;
            }
            word = busy[w];
        }
    }

    /** Kernel#cpuCurrGeneration: changes of any CPU's curr so far. */
    long currGeneration() {
        return currGeneration;
    }

    /** Sets {@code c.curr}, keeping {@link #busy} and the root domain in step with it. */
    private void setCurr(SimCpu c, SimTask t) {
        if (c.curr != t) {
            currGeneration++;
        }
        boolean was = c.curr != null;
        c.curr = t;
        rd.currChanged(c.id);
        if (t == null) {
            busy[c.id >>> 6] &= ~(1L << (c.id & 63));
        } else {
            busy[c.id >>> 6] |= 1L << (c.id & 63);
        }
        if (was != (t != null)) {
            busyCpus += was ? -1 : 1;
        }
    }

    /** True when the calling thread may touch scheduler state (see {@link SimEngine#mayAccount}). */
    boolean mayAccount() {
        return engine.mayAccount();
    }

    // ---- task life ------------------------------------------------------------------------------

    /** sched_fork: the task's entity starts in the root group with its nice weight. */
    SimTask fork(TaskStruct ts) {
        SimTask t = new SimTask(ts, Nice.weight(ts.policy, ts.nice));
        ts.sched = t;
        t.tg = fair.root;
        fair.root.tasks.add(t);
        return t;
    }

    /** wake_up_new_task. */
    void wakeUpNewTask(SimTask t) {
        t.task.woken = true;
        engine.taskWoken();
        activate(t, selectCpu(t, true), false, true);
    }

    @Override
    public boolean exit(TaskStruct ts) {
        SimTask t = SimTask.of(ts);
        SimCpu c = cpus[ts.cpu];
        account(c);
        ts.state = TaskState.DEAD;
        IllegalStateException holding = ts.exitedHolding();
        if (holding != null) {
            engine.fail(new TaskFailedException(ts.name, holding));
            return false;
        }
        fair.dequeueTask(c, t, true);
        leaveCpu(c, t);
        pickAndSet(c, t);
        t.tg.removeTask(t);
        for (SimTask j : t.joiners) {
            wake(j);
        }
        t.joiners.clear();
        return true;
    }

    /** set_user_nice: reweight, and preempt curr if the reweighted task now should run. */
    void renice(SimTask t, int nice) {
        TaskStruct ts = t.task;
        long w = Nice.weight(ts.policy, nice);
        ts.nice = nice;
        if (ts.state == TaskState.RUNNING || ts.state == TaskState.RUNNABLE) {
            SimCpu c = cpus[ts.cpu];
            account(c);
            fair.reweightTask(t, w);
            if (c.curr != null && c.curr != t && ts.state == TaskState.RUNNABLE && fair.wakeupPreempt(c, c.curr, t)) {
                c.reschedPending = true;
            }
            reprogram(c);
        } else {
            t.weight = w;
        }
    }

    /** __set_cpus_allowed_ptr: a task on a CPU it may no longer use moves (the running one yields). */
    void affinityChanged(SimTask t) {
        if (t.task.cpu < 0 || t.task.affinity.contains(t.task.cpu)) {
            return;
        }
        SimCpu c = cpus[t.task.cpu];
        if (t.task.state == TaskState.RUNNABLE) {
            account(c);
            fair.dequeueTask(c, t, false);
            activate(t, selectCpu(t, false), false, false);
            reprogram(c);
        } else if (t.task.state == TaskState.RUNNING) {
            account(c);
            leaveCpu(c, t);
            fair.dequeueTask(c, t, false);
            t.task.state = TaskState.RUNNABLE;
            pickAndSet(c, t);
            activate(t, selectCpu(t, false), false, false);
            if (t.task == engine.executing()) {
                engine.yieldCpu(t.task);
            }
        }
    }

    /** Moves a task to another group (sched_move_task). */
    void moveTask(SimTask t, TaskGroup to) {
        if (t.task.state != TaskState.RUNNING && t.task.state != TaskState.RUNNABLE) {
            t.tg = to;
            t.cfsRq = null;
            return;
        }
        SimCpu c = cpus[t.task.cpu];
        account(c);
        boolean running = t.task.state == TaskState.RUNNING;
        if (running) {
            leaveCpu(c, t);
        }
        fair.dequeueTask(c, t, false);
        t.tg = to;
        t.cfsRq = null;
        t.task.state = TaskState.RUNNABLE;
        fair.enqueueTask(c, t, false, false);
        if (running) {
            pickAndSet(c, t);
            if (t.task == engine.executing()) {
                engine.yieldCpu(t.task);
            }
        } else {
            cpuChanged(c.id);
        }
    }

    // ---- placement and wake-up --------------------------------------------------------------------

    /**
     * select_task_rq: select_task_rq_fair ({@link SelectTaskRq}) from the waker's CPU (the parent's
     * for a fork; the previous CPU when a timer wakes), then select_fallback_rq when the choice is
     * not allowed: an allowed online CPU of the previous CPU's node, else any allowed one.
     */
    private SimCpu selectCpu(SimTask t, boolean fork) {
        CpuMask allowed = t.task.affinity.and(online);
        TaskStruct waker = engine.current();
        int wakerCpu = waker != null ? waker.cpu : -1;
        int prev = t.task.cpu >= 0 ? t.task.cpu : (wakerCpu >= 0 ? wakerCpu : allowed.firstCpu());
        if (prev < 0) {
            prev = allowed.firstCpu();
        }
        if (fork) {
            // wake_up_new_task: p->recent_used_cpu = task_cpu(p), the parent's CPU
            t.recentUsedCpu = prev;
        }
        int cpu = placement.select(t, prev, wakerCpu, fork, allowed);
        if (allowed.contains(cpu)) {
            return cpus[cpu];
        }
        int node = cpus[prev].node;
        for (int c = allowed.firstCpu(); c >= 0; c = allowed.nextCpu(c + 1)) {
            if (cpus[c].node == node) {
                return cpus[c];
            }
        }
        return cpus[allowed.firstCpu()];
    }

    private boolean idle(SimCpu c) {
        return c.curr == null && fair.nrRunning(c) == 0;
    }

    /** Puts a runnable task on {@code c}'s run queue and preempts or starts as the kernel would. */
    private void activate(SimTask t, SimCpu c, boolean wakeup, boolean initial) {
        t.queuedAt = now();
        t.task.cpu = c.id;
        t.task.state = TaskState.RUNNABLE;
        account(c);
        if (wakeup) {
            balance.wokenOn(c.id);
        }
        fair.enqueueTask(c, t, wakeup, initial);
        if (c.curr == null) {
            pickAndSet(c, null);
            return;
        }
        if (fair.wakeupPreempt(c, c.curr, t)) {
            c.reschedPending = true;
        }
        reprogram(c);
    }

    /** Wakes a blocked task (try_to_wake_up); returns false when it was not blocked. */
    boolean wake(SimTask t) {
        if (t.task.state != TaskState.BLOCKED) {
            return false;
        }
        if (tracer.enabled()) {
            tracer.emit(new TraceEvent.TaskStateSpan(t.id, t.task.name, "blocked", t.task.waitsOn, t.task.blockedAt, now()));
        }
        t.task.waitsOn = null;
        t.task.waitHolders = null;
        t.onFatalSignal = null;
        activate(t, selectCpu(t, false), true, false);
        return true;
    }

    // ---- the CPU state machine --------------------------------------------------------------------

    /** Charges the CPU's current task for the time since it was last accounted (update_curr). */
    void account(SimCpu c) {
        SimTask t = c.curr;
        if (t == null) {
            return;
        }
        long now = engine.now;
        long delta = now - t.execAt;
        if (delta <= 0) {
            return;
        }
        c.busyNs += delta;
        fair.updateCurr(c, t, delta);
        switch (t.work) {
            case CPU -> t.remNs -= delta;
            case STREAM -> MemoryBandwidthModel.settle(t, now);
            default -> { }
        }
        t.execAt = now;
    }

    /** update_curr on CPU {@code id} before its queues change. */
    void accountCpu(int id) {
        account(cpus[id]);
    }

    /** A CPU's queues changed outside its own events: start an idle CPU, or re-plan the running one. */
    void cpuChanged(int id) {
        SimCpu c = cpus[id];
        if (c.curr == null) {
            pickAndSet(c, null);
        } else {
            reprogram(c);
        }
    }

    /** Re-plans the next event of a CPU whose running task's weights changed from elsewhere. */
    void replan(int id) {
        SimCpu c = cpus[id];
        if (c.curr != null) {
            reprogram(c);
        }
    }

    /** Takes {@code t} off its CPU (its streaming work stops counting towards its node). */
    private void leaveCpu(SimCpu c, SimTask t) {
        if (tracer.enabled() && now() > t.runStart) {
            tracer.emit(new TraceEvent.CpuSlice(c.id, t.id, t.task.name, t.runStart, now()));
        }
        if (t.work == SimTask.Work.STREAM) {
            memory.stopStreaming(t);
        }
        setCurr(c, null);
        c.reschedPending = false;
    }

    /** Whether another hardware thread of {@code cpu}'s core has a current task. */
    private boolean siblingBusy(int cpu) {
        int core = topo.coreOf(cpu);
        for (int t = 0; t < topo.threadsPerCore(); t++) {
            int s = topo.threadOf(core, t);
            if (s != cpu && (busy[s >>> 6] & (1L << (s & 63))) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Picks the next task for an empty CPU (pulling one from the busiest CPU if idle) and starts it. */
    private void pickAndSet(SimCpu c, SimTask prev) {
        SimTask next = fair.pickNextTask(c);
        if (next == null && balance.newidleBalance(c.id)) {
            next = fair.pickNextTask(c);
        }
        setCurr(c, next);
        if (next == null) {
            c.idle.enter(now(), engine.nextTimerAt());
            heap.update(c.id, Long.MAX_VALUE);
            return;
        }
        balance.cpuBusy();
        next.task.state = TaskState.RUNNING;
        next.task.cpu = c.id;
        // leaving an idle state: the task starts once the CPU is out of it
        // c itself counts as busy by now: the package is awake if some other CPU runs, the core if
        // its other thread does
        long start = now() + c.idle.exit(now(), busyCpus > 1, siblingBusy(c.id));
        if (next != prev) {
            start += costs.contextSwitchNs();
            c.contextSwitches++;
        }
        next.execAt = start;
        next.hasRun = true;
        if (tracer.enabled() && next != prev && start > next.queuedAt) {
            tracer.emit(new TraceEvent.TaskStateSpan(next.id, next.task.name, "runnable", null, next.queuedAt, start));
        }
        next.runStart = start;
        switch (next.work) {
            case NONE -> {
                next.resumePending = true;
                next.resumeAt = start;
            }
            case CPU -> next.doneAt = start + Math.max(0, next.remNs);
            case STREAM -> {
                next.streamAt = start;
                memory.startStreaming(next);
            }
            case SPIN -> { }
        }
        reprogram(c);
    }

    /**
     * detach_task + attach_task for load balancing: a queued task moves from {@code src} to
     * {@code dst}. With {@code attach} the destination starts it or checks preemption
     * (attach_task -> check_preempt_curr); newidle balancing picks it itself.
     */
    void migrateQueued(SimTask t, SimCpu src, SimCpu dst, boolean attach) {
        account(src);
        fair.dequeueTask(src, t, false);
        reprogram(src);
        t.task.cpu = dst.id;
        account(dst);
        fair.enqueueTask(dst, t, false, false);
        if (!attach) {
            return;
        }
        if (dst.curr == null) {
            pickAndSet(dst, null);
            return;
        }
        if (fair.wakeupPreempt(dst, dst.curr, t)) {
            dst.reschedPending = true;
        }
        reprogram(dst);
    }

    /**
     * active_load_balance_cpu_stop: the stopper preempts {@code src}'s running task, which moves to
     * {@code dst}. Only from a timer (no task is executing code); false if it cannot move now.
     */
    boolean migrateRunning(SimTask t, SimCpu src, SimCpu dst) {
        if (t.task == engine.executing() || t.task.state != TaskState.RUNNING) {
            return false;
        }
        account(src);
        leaveCpu(src, t);
        fair.dequeueTask(src, t, false);
        t.task.state = TaskState.RUNNABLE;
        t.queuedAt = now();
        pickAndSet(src, t);
        activate(t, dst, false, false);
        return true;
    }

    /** Plans the CPU's next event: its task resumes, its work ends, or its slice or runtime does. */
    void reprogram(SimCpu c) {
        heap.update(c.id, plannedAt(c));
    }

    /** The time of the CPU's next event as {@link #reprogram} plans it, without planning it. */
    private long plannedAt(SimCpu c) {
        SimTask t = c.curr;
        long now = engine.now;
        long at;
        if (t == null) {
            at = Long.MAX_VALUE;
        } else if (t.resumePending) {
            at = t.resumeAt;
        } else if (t.task == engine.executing() || t.work == SimTask.Work.NONE) {
            at = Long.MAX_VALUE;
        } else if (t.work == SimTask.Work.SPIN) {
            at = Long.MAX_VALUE;
        } else {
            at = t.doneAt;
            if (t.task.preemptCount == 0) {
                // in counts from the last accounting, execAt (a stream re-rate does not account)
                long in = fair.reschedInNs(c, t);
                at = Math.min(at, c.reschedPending ? now
                        : in == Long.MAX_VALUE ? Long.MAX_VALUE : atTick(t.execAt + in));
            }
        }
        return Math.max(at, now);
    }

    /**
     * The first tick at or after {@code t}. With HRTICK off (sched_feat default in every release
     * modelled) nothing reschedules a running task at the moment its slice or its cfs_rq's runtime
     * runs out: scheduler_tick -> task_tick_fair -> entity_tick runs update_curr (which charges the
     * runtime, account_cfs_rq_runtime, and asks for a resched when none is left) and
     * check_preempt_tick (CFS) / update_deadline (EEVDF), so the task runs on to the next tick.
     * Ticks of all CPUs fall on one grid (sched_skew_tick is 0 by default; {@link TickGrid}). A limited
     * group can therefore overrun its quota by up to a tick per CPU, repaid from its next grant.
     */
    private long atTick(long t) {
        return ticks.tickAtOrAfter(t);
    }

    @Override
    public long nextEventAt() {
        return heap.minKey();
    }

    @Override
    public TaskStruct runEvent() {
        SimCpu c = cpus[heap.minCpu()];
        SimTask t = c.curr;
        account(c);
        if (t.resumePending) {
            t.resumePending = false;
            heap.update(c.id, Long.MAX_VALUE);
            engine.hash(EV_RESUME, c.id, t.id);
            return t.task;
        }
        boolean done = switch (t.work) {
            case CPU -> t.remNs <= 0;
            case STREAM -> engine.now >= t.doneAt;
            default -> false;
        };
        if (done) {
            heap.update(c.id, Long.MAX_VALUE);
            if (endWorkItem(c, t)) {
                reprogram(c);
                return null;
            }
            return t.task;
        }
        engine.hash(EV_PREEMPT, c.id, t.id);
        preempt(c, t);
        return null;
    }

    /**
     * The end of {@code t}'s work item on its accounted CPU {@code c}: the item is finished, the event
     * hashed, and a follow-on item ({@link #startThen}) started; true if one was, false if the task
     * goes on with its code.
     */
    private boolean endWorkItem(SimCpu c, SimTask t) {
        finishWork(t);
        engine.hash(EV_WORK_DONE, c.id, t.id);
        return startThen(t, c);
    }

    private void finishWork(SimTask t) {
        if (t.work == SimTask.Work.STREAM) {
            t.work = SimTask.Work.NONE;
            memory.stopStreaming(t);
        }
        t.task.bytesMoved += t.workBytes;
        t.work = SimTask.Work.NONE;
        t.workBytes = 0;
    }

    private void preempt(SimCpu c, SimTask t) {
        leaveCpu(c, t);
        t.task.state = TaskState.RUNNABLE;
        t.queuedAt = now();
        fair.putPrevTask(c, t);
        pickAndSet(c, t);
    }

    // ---- what the executing task asks of its CPU --------------------------------------------------

    /** The executing task's CPU does {@code cpuNs} of work moving {@code bytes} on {@code node}. */
    void work(SimTask t, long cpuNs, int node, long bytes, java.util.function.LongSupplier then) {
        SimCpu c = cpus[t.task.cpu];
        t.then = then;
        startWork(t, c, cpuNs, node, bytes);
        engine.suspendExecuting();
        long at = plannedAt(c);
        if (!completeOwnWork(t, c, at)) {
            heap.update(c.id, at);
            engine.yieldCpu(t.task);
        }
        if (t.thenRejected != 0) {
            long ns = t.thenRejected;
            t.thenRejected = 0;
            KernelBase.checkWorkAmount(ns, 0);
        }
    }

    private void startWork(SimTask t, SimCpu c, long cpuNs, int node, long bytes) {
        long now = engine.now;
        t.task.workRequestedNs += cpuNs;
        t.execAt = now;
        t.workCpuNs = cpuNs;
        t.workBytes = bytes;
        if (bytes == 0) {
            t.work = SimTask.Work.CPU;
            t.remNs = cpuNs;
            t.doneAt = now + cpuNs;
        } else {
            t.work = SimTask.Work.STREAM;
            t.workNode = node;
            t.remFrac = 1.0;
            t.streamAt = now;
            memory.startStreaming(t);
        }
    }

    /**
     * The follow-on CPU work of {@code t}'s finished item, started as the task would start it had it
     * resumed now and asked for it; true if started, false if the task must resume (none, or a
     * negative amount it will raise).
     */
    private boolean startThen(SimTask t, SimCpu c) {
        java.util.function.LongSupplier then = t.then;
        if (then == null) {
            return false;
        }
        t.then = null;
        long ns = then.getAsLong();
        if (ns < 0) {
            t.thenRejected = ns;
            return false;
        }
        if (ns == 0) {
            return false;
        }
        startWork(t, c, ns, 0, 0);
        return true;
    }

    /**
     * The event loop's own handling of {@code t}'s work item, planned for {@code plannedAt}, when its
     * end is the run's next event: no timer is due by then and no other CPU has an event before it
     * (or at the same time with a lower id), so dispatch would advance to it, account the CPU and
     * hand the CPU straight back to {@code t}. Doing that here, without planning the event in the CPU
     * heap and taking it out again, is the same event, counted and hashed the same (issue 15: most of
     * a serial pin's events and every short lock-acquisition charge). False, with nothing done, when
     * some other event may come first or the item would be cut by a resched; the run's time limit
     * stops the run here as dispatch would.
     */
    private boolean completeOwnWork(SimTask t, SimCpu c, long plannedAt) {
        if (!ownEventShortcut) {
            return false;
        }
        boolean any = false;
        long at = plannedAt;
        while (true) {
            if (at != t.doneAt || !engine.isNextEvent(c.id, at, heap.minKey(), heap.minCpu())) {
                if (any) {
                    // a follow-on item that must wait: plan it as runEvent would have
                    heap.update(c.id, at);
                    engine.yieldCpu(t.task);
                }
                return any;
            }
            if (!engine.advanceToOwnEvent(at)) {
                // the limit's failure is reported as dispatch would report it
                throw new TaskAbort();
            }
            account(c);
            ownEvents++;
            any = true;
            if (!endWorkItem(c, t)) {
                engine.resumeSelf(t.task);
                return true;
            }
            at = plannedAt(c);
        }
    }

    /** cond_resched: gives the CPU up when another task is due it. */
    void condResched(SimTask t) {
        SimCpu c = cpus[t.task.cpu];
        if (fair.nrRunning(c) < 2) {
            return;
        }
        account(c);
        if (c.reschedPending || fair.reschedInNs(c, t) == 0) {
            account(c);
            engine.hash(EV_PREEMPT, c.id, t.id);
            preempt(c, t);
            engine.yieldCpu(t.task);
        }
    }

    /** The executing task sleeps until {@link #wake}; {@code on} and {@code holders} describe why. */
    void block(SimTask t, String on, Supplier<List<String>> holders) {
        t.task.mightSleep(on);
        SimCpu c = cpus[t.task.cpu];
        account(c);
        t.task.state = TaskState.BLOCKED;
        t.task.waitsOn = on;
        t.task.waitHolders = holders;
        t.task.blockedAt = now();
        fair.dequeueTask(c, t, true);
        leaveCpu(c, t);
        pickAndSet(c, t);
        engine.yieldCpu(t.task);
    }

    /** The executing task keeps its CPU, burning time, until {@link #stopSpinning}. */
    void spin(SimTask t, String on, Supplier<List<String>> holders) {
        SimCpu c = cpus[t.task.cpu];
        account(c);
        t.work = SimTask.Work.SPIN;
        t.task.blockedAt = now();
        t.task.waitsOn = on;
        t.task.waitHolders = holders;
        t.execAt = now();
        engine.suspendExecuting();
        reprogram(c);
        engine.yieldCpu(t.task);
        t.task.waitsOn = null;
        t.task.waitHolders = null;
    }

    /** Ends {@code t}'s spin now: the spun time is charged and it continues its code. */
    void stopSpinning(SimTask t) {
        SimCpu c = cpus[t.task.cpu];
        account(c);
        if (tracer.enabled()) {
            tracer.emit(new TraceEvent.TaskStateSpan(t.id, t.task.name, "spinning", t.task.waitsOn, t.task.blockedAt, now()));
        }
        t.work = SimTask.Work.NONE;
        t.resumePending = true;
        t.resumeAt = now();
        reprogram(c);
    }

    /** Per-CPU busy time, for the run's statistics. */
    long[] busyNs() {
        long[] busy = new long[cpus.length];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = cpus[i].busyNs;
        }
        return busy;
    }
}
