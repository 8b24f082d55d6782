package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.kemu.schedfair.Backend;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.TaskFailedException;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.Topology;
import org.kemu.schedfair.TraceEvent;
import org.kemu.schedfair.internal.EventHash;
import org.kemu.schedfair.internal.HeldLock;
import org.kemu.schedfair.internal.HrTimer;
import org.kemu.schedfair.internal.KernelBase;
import org.kemu.schedfair.internal.SeamGuard;
import org.kemu.schedfair.internal.TaskAbort;
import org.kemu.schedfair.internal.TaskStruct;

/**
 * The simulated backend: a discrete-event engine in virtual time.
 *
 * <p>Each task's code runs on its own virtual thread, and a baton makes sure exactly one of them
 * executes at any moment. When the executing task calls into the engine (work, a blocking lock,
 * sleep, exit), that same thread runs the event loop: it takes the earliest event (timers first,
 * then CPUs by next-event time, ties by CPU id), and when the event lets some task continue its
 * code, hands the baton to that task's thread. If that is the caller itself, no thread switch
 * happens at all. All engine state is therefore touched by one thread at a time, with the baton's
 * volatile write/read ordering successive holders.
 *
 * <p>Virtual time passes only through work (and the context-switch cost): code between engine calls
 * takes no virtual time.
 *
 * <p>Memory bandwidth model (a fluid approximation): a work item of c ns CPU and b bytes on node n
 * progresses at rate 1/max(c, b/bw) per ns, where bw = min(per-core ceiling, node bandwidth / k)
 * and k is the number of work items streaming on node n on some CPU at that moment. Whenever k
 * changes, every streamer on the node is settled at its old rate and continues at the new one. A
 * preempted streamer stops counting towards k. The ceiling applies per streaming CPU (SMT siblings
 * are not made to share it), and CPU time itself is not shared between siblings.
 */
public final class SimKernel extends KernelBase {
    static final int EV_TIMER = 1;
    static final int EV_RESUME = 2;
    static final int EV_WORK_DONE = 3;
    static final int EV_PREEMPT = 4;

    /** A timer queue entry: valid while the timer's generation is unchanged. */
    private record TimerEntry(long at, long seq, HrTimer timer, long generation) {
    }

    private final MachineSpec machine;
    final SimCpu[] cpus;
    final FairClass fair;
    private final SimCpuController cgroups;
    private final CpuEventHeap heap;
    private final PriorityQueue<TimerEntry> timers = new PriorityQueue<>(
            Comparator.comparingLong(TimerEntry::at).thenComparingLong(TimerEntry::seq));
    private final List<List<SimTask>> streamers = new ArrayList<>();
    private final CpuMask online;
    private final EventHash hash = new EventHash();

    long now;
    private long events;
    private long timerSeq;
    private int live;

    /** The task whose code is executing, or null while the driver or the event loop runs. */
    private SimTask executing;
    private volatile SimTask baton;
    /** The thread that may touch engine state while a run is on (the baton holder's). */
    private volatile Thread holder;
    private volatile boolean finished = true;
    private volatile boolean aborted;
    private Thread driver;
    private RuntimeException failure;
    private boolean broken;

    public SimKernel(KernelConfig config) {
        super(config, new ArrayList<>());
        this.machine = config.machine();
        Topology topo = machine.topology();
        int n = topo.nrCpus();
        this.online = onlineMask();
        this.cpus = new SimCpu[n];
        for (int i = 0; i < n; i++) {
            cpus[i] = new SimCpu(i, topo.nodeOf(i));
        }
        for (int i = 0; i < topo.nodes(); i++) {
            streamers.add(new ArrayList<>());
        }
        this.heap = new CpuEventHeap(n);
        PickRule rule = switch (config.pickPolicy()) {
            case CFS -> new CfsRule();
            case EEVDF -> new EevdfRule(n);
        };
        this.fair = new FairClass(this, rule, n, config.throttleModel());
        this.cgroups = new SimCpuController(this, fair, config.bandwidthPolicy());
    }

    // ---- identity -----------------------------------------------------------------------------

    @Override
    public Backend backend() {
        return Backend.SIMULATED;
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public TaskStruct currentOrNull() {
        SimTask e = executing;
        return e != null && e.task.thread == Thread.currentThread() ? e.task : null;
    }

    @Override
    public TaskStruct self(String what) {
        return selfSim(what).task;
    }

    /** The executing task; throws outside a task, and unwinds when the run was aborted. */
    SimTask selfSim(String what) {
        if (aborted && Thread.currentThread().isVirtual()) {
            throw new TaskAbort();
        }
        SimTask e = executing;
        if (e == null || e.task.thread != Thread.currentThread()) {
            if (aborted) {
                throw new TaskAbort();
            }
            throw new IllegalStateException(what + " called outside an emulated task");
        }
        return e;
    }

    // ---- task creation ------------------------------------------------------------------------

    @Override
    protected void checkSetup(String what) {
        if (broken) {
            throw new IllegalStateException("kernel is unusable after a failed run");
        }
        if (!finished && !inTask()) {
            throw new IllegalStateException(what + " from outside a task while the kernel runs");
        }
    }

    @Override
    protected void initTask(TaskStruct ts) {
        SimTask t = new SimTask(ts, Nice.weight(ts.policy, ts.nice));
        ts.sched = t;
        ts.thread = Thread.ofVirtual().name(ts.name).unstarted(() -> taskMain(t));
        t.tg = fair.root;
        fair.root.tasks.add(t);
    }

    @Override
    protected List<HeldLock> newHeldList() {
        return new ArrayList<>();
    }

    @Override
    protected void payKthreadCreate() {
        if (inTask() && machine.costs().kthreadCreateNs() > 0) {
            work(machine.costs().kthreadCreateNs());
        }
    }

    @Override
    protected void wakeUpNewTask(TaskStruct ts) {
        SimTask t = SimTask.of(ts);
        ts.woken = true;
        live++;
        activate(t, selectCpu(t, true), false, true);
    }

    @Override
    protected void renice(TaskStruct ts, int nice) {
        SimTask t = SimTask.of(ts);
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

    @Override
    protected void affinityChanged(TaskStruct ts) {
        SimTask t = SimTask.of(ts);
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
            if (t == executing) {
                yieldCpu(t);
            }
        }
    }

    @Override
    protected void fatalSignalSent(TaskStruct ts) {
        SimTask t = SimTask.of(ts);
        if (ts.state == TaskState.BLOCKED && t.onFatalSignal != null) {
            Runnable r = t.onFatalSignal;
            t.onFatalSignal = null;
            r.run();
            wake(t);
        }
    }

    @Override
    protected void waitForExit(TaskStruct me, TaskStruct t) {
        SimTask.of(t).joiners.add(SimTask.of(me));
        block(SimTask.of(me), "exit of task '" + t.name + "'", () -> List.of(t.toString()));
    }

    // ---- placement and the CPU state machine ---------------------------------------------------

    /**
     * select_task_rq: the previous CPU if it is idle and allowed, else an idle allowed CPU (same
     * node first, scanning upwards from the previous CPU), else the previous CPU if allowed, else
     * the allowed CPU with the fewest tasks. A new task (fork balancing, find_idlest_cpu) goes to
     * the allowed CPU with the fewest tasks when none is idle. Ties go to the lowest CPU id.
     */
    private SimCpu selectCpu(SimTask t, boolean fork) {
        CpuMask allowed = t.task.affinity.and(online);
        int prev = t.task.cpu >= 0 ? t.task.cpu : (inTask() ? executing.task.cpu : allowed.firstCpu());
        if (prev < 0) {
            prev = allowed.firstCpu();
        }
        if (allowed.contains(prev) && idle(cpus[prev])) {
            return cpus[prev];
        }
        int prevNode = cpus[prev].node;
        SimCpu other = null;
        int n = cpus.length;
        for (int i = 1; i <= n; i++) {
            int c = (prev + i) % n;
            if (allowed.contains(c) && idle(cpus[c])) {
                if (cpus[c].node == prevNode) {
                    return cpus[c];
                }
                if (other == null) {
                    other = cpus[c];
                }
            }
        }
        if (other != null) {
            return other;
        }
        if (allowed.contains(prev) && !fork) {
            return cpus[prev];
        }
        SimCpu best = null;
        for (int c = allowed.firstCpu(); c >= 0; c = allowed.nextCpu(c + 1)) {
            if (best == null || fair.nrRunning(cpus[c]) < fair.nrRunning(best)) {
                best = cpus[c];
            }
        }
        return best;
    }

    private boolean idle(SimCpu c) {
        return c.curr == null && fair.nrRunning(c) == 0;
    }

    /** Puts a runnable task on {@code c}'s run queue and preempts or starts as the kernel would. */
    private void activate(SimTask t, SimCpu c, boolean wakeup, boolean initial) {
        t.queuedAt = now;
        t.task.cpu = c.id;
        t.task.state = TaskState.RUNNABLE;
        account(c);
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
            tracer.emit(new TraceEvent.TaskStateSpan(t.id, t.task.name, "blocked", t.task.waitsOn, t.task.blockedAt, now));
        }
        t.task.waitsOn = null;
        t.task.waitHolders = null;
        t.onFatalSignal = null;
        activate(t, selectCpu(t, false), true, false);
        return true;
    }

    /** Charges the CPU's current task for the time since it was last accounted. */
    private void account(SimCpu c) {
        SimTask t = c.curr;
        if (t == null) {
            return;
        }
        long delta = now - t.execAt;
        if (delta <= 0) {
            return;
        }
        c.busyNs += delta;
        fair.updateCurr(c, t, delta);
        switch (t.work) {
            case CPU -> t.remNs -= delta;
            case STREAM -> t.remFrac -= t.rate * delta;
            default -> { }
        }
        t.execAt = now;
    }

    /** Takes {@code t}'s streaming work off its node, as when it stops running. */
    private void leaveCpu(SimCpu c, SimTask t) {
        if (tracer.enabled() && now > t.runStart) {
            tracer.emit(new TraceEvent.CpuSlice(c.id, t.id, t.task.name, t.runStart, now));
        }
        if (t.work == SimTask.Work.STREAM) {
            List<SimTask> s = streamers.get(t.workNode);
            s.remove(t);
            rebalanceStreams(t.workNode);
        }
        c.curr = null;
        c.reschedPending = false;
    }

    /** Picks the next task for an empty CPU (pulling one from the busiest CPU if idle) and starts it. */
    private void pickAndSet(SimCpu c, SimTask prev) {
        SimTask next = fair.pickNextTask(c);
        if (next == null) {
            next = idleBalance(c);
        }
        c.curr = next;
        if (next == null) {
            heap.update(c.id, Long.MAX_VALUE);
            return;
        }
        next.task.state = TaskState.RUNNING;
        next.task.cpu = c.id;
        long start = now;
        if (next != prev) {
            start += machine.costs().contextSwitchNs();
            c.contextSwitches++;
        }
        next.execAt = start;
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
                streamers.get(next.workNode).add(next);
                rebalanceStreams(next.workNode);
            }
            case SPIN -> { }
        }
        reprogram(c);
    }

    /** newidle balance: pull the first allowed queued task of the busiest CPU. */
    private SimTask idleBalance(SimCpu c) {
        SimCpu busiest = null;
        SimTask pick = null;
        for (SimCpu o : cpus) {
            if (o == c || fair.nrRunning(o) < 2 || (busiest != null && fair.nrRunning(o) <= fair.nrRunning(busiest))) {
                continue;
            }
            for (SimTask q : fair.pullable(o)) {
                if (q.task.affinity.contains(c.id)) {
                    busiest = o;
                    pick = q;
                    break;
                }
            }
        }
        if (pick == null) {
            return null;
        }
        account(busiest);
        fair.dequeueTask(busiest, pick, false);
        reprogram(busiest);
        pick.task.cpu = c.id;
        fair.enqueueTask(c, pick, false, false);
        return fair.pickNextTask(c);
    }

    /** Settles every streamer on {@code node} at its old rate and gives it the new one. */
    private void rebalanceStreams(int node) {
        List<SimTask> s = streamers.get(node);
        int k = s.size();
        if (tracer.enabled()) {
            tracer.counter("mem_bw_bytes_per_s.node" + node, k == 0 ? 0 : k * machine.bandwidth().perStreamer(k));
        }
        if (k == 0) {
            return;
        }
        double bwPerNs = machine.bandwidth().perStreamer(k) / 1e9;
        for (SimTask t : s) {
            SimCpu c = cpus[t.task.cpu];
            account(c);
            double durNs = Math.max((double) t.workCpuNs, t.workBytes / bwPerNs);
            t.rate = 1.0 / Math.max(1.0, durNs);
            long start = Math.max(now, t.execAt);
            t.doneAt = start + (long) Math.ceil(Math.max(0, t.remFrac) / t.rate);
            reprogram(c);
        }
    }

    private void reprogram(SimCpu c) {
        SimTask t = c.curr;
        long at;
        if (t == null) {
            at = Long.MAX_VALUE;
        } else if (t.resumePending) {
            at = t.resumeAt;
        } else if (t == executing || t.work == SimTask.Work.NONE) {
            at = Long.MAX_VALUE;
        } else if (t.work == SimTask.Work.SPIN) {
            at = Long.MAX_VALUE;
        } else {
            at = t.doneAt;
            if (t.task.preemptCount == 0) {
                long in = fair.reschedInNs(c, t);
                at = Math.min(at, c.reschedPending ? now
                        : in == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(now, t.execAt) + in);
            }
        }
        heap.update(c.id, Math.max(at, now));
    }

    // ---- the event loop and the baton --------------------------------------------------------

    /**
     * Runs events until one lets a task continue its code; returns that task, or null when the run
     * is over (normally or not).
     */
    private SimTask dispatch() {
        executing = null;
        while (true) {
            if (live == 0) {
                // nothing left that a timer could wake: pending timers die with the run
                end(null);
                return null;
            }
            long tc = heap.minKey();
            TimerEntry te = timers.peek();
            if (te != null && te.at() <= tc) {
                timers.poll();
                if (te.generation() != te.timer().generation) {
                    continue;
                }
                if (!advance(te.at())) {
                    return null;
                }
                HrTimer tm = te.timer();
                tm.expires = -1;
                hash.add(now, EV_TIMER, -1, te.seq());
                events++;
                try {
                    tm.callback.run();
                } catch (TaskAbort a) {
                    throw a;
                } catch (RuntimeException | Error e) {
                    fail(new TaskFailedException("timer " + tm.name(), e));
                    return null;
                }
                continue;
            }
            if (tc == Long.MAX_VALUE) {
                fail(deadlock());
                return null;
            }
            if (!advance(tc)) {
                return null;
            }
            SimCpu c = cpus[heap.minCpu()];
            SimTask t = c.curr;
            account(c);
            events++;
            if (t.resumePending) {
                t.resumePending = false;
                heap.update(c.id, Long.MAX_VALUE);
                hash.add(now, EV_RESUME, c.id, t.id);
                return t;
            }
            boolean done = switch (t.work) {
                case CPU -> t.remNs <= 0;
                case STREAM -> now >= t.doneAt;
                default -> false;
            };
            if (done) {
                finishWork(c, t);
                heap.update(c.id, Long.MAX_VALUE);
                hash.add(now, EV_WORK_DONE, c.id, t.id);
                return t;
            }
            hash.add(now, EV_PREEMPT, c.id, t.id);
            preempt(c, t);
        }
    }

    private boolean advance(long to) {
        if (config.timeLimitNs() > 0 && to > config.timeLimitNs()) {
            fail(new IllegalStateException("virtual time limit of " + config.timeLimitNs()
                    + " ns reached; tasks still live: " + liveTasks()));
            return false;
        }
        if (to > now) {
            now = to;
        }
        return true;
    }

    private List<String> liveTasks() {
        List<String> out = new ArrayList<>();
        for (TaskStruct t : tasks) {
            if (t.woken && t.state != TaskState.DEAD) {
                out.add(t + " " + t.state + (t.waitsOn != null ? " on " + t.waitsOn : ""));
            }
        }
        return out;
    }

    private void finishWork(SimCpu c, SimTask t) {
        if (t.work == SimTask.Work.STREAM) {
            streamers.get(t.workNode).remove(t);
            t.work = SimTask.Work.NONE;
            rebalanceStreams(t.workNode);
        }
        t.task.bytesMoved += t.workBytes;
        t.work = SimTask.Work.NONE;
        t.workBytes = 0;
    }

    private void preempt(SimCpu c, SimTask t) {
        leaveCpu(c, t);
        t.task.state = TaskState.RUNNABLE;
        t.queuedAt = now;
        fair.putPrevTask(c, t);
        fair.sendToLimboIfThrottled(c, t);
        pickAndSet(c, t);
    }

    private void fail(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        broken = true;
        aborted = true;
        for (TaskStruct t : tasks) {
            if (SimTask.of(t).started && t.state != TaskState.DEAD && t.thread != Thread.currentThread()) {
                LockSupport.unpark(t.thread);
            }
        }
        end(failure);
    }

    private void end(RuntimeException e) {
        executing = null;
        finished = true;
        if (driver != null && driver != Thread.currentThread()) {
            LockSupport.unpark(driver);
        }
    }

    /** Hands the baton to {@code next}; unless {@code self} is exiting, waits to get it back. */
    private void handOff(SimTask next, SimTask self, boolean selfExits) {
        executing = next;
        holder = next.task.thread;
        baton = next;
        if (!next.started) {
            next.started = true;
            next.task.thread.start();
        } else {
            LockSupport.unpark(next.task.thread);
        }
        if (!selfExits) {
            awaitBaton(self);
        }
    }

    private void awaitBaton(SimTask self) {
        if (self == null) {
            while (!finished) {
                LockSupport.park(this);
            }
            return;
        }
        while (baton != self) {
            if (aborted) {
                throw new TaskAbort();
            }
            LockSupport.park(this);
        }
        if (aborted) {
            throw new TaskAbort();
        }
    }

    /** The executing task gives up control until the engine resumes it. */
    void yieldCpu(SimTask self) {
        SimTask next = dispatch();
        if (next == null) {
            throw new TaskAbort();
        }
        if (next != self) {
            handOff(next, self, false);
        }
        executing = self;
    }

    private void taskMain(SimTask t) {
        try {
            awaitBaton(t);
        } catch (TaskAbort a) {
            return;
        }
        try {
            t.task.body.run();
        } catch (TaskAbort a) {
            return;
        } catch (Throwable e) {
            fail(new TaskFailedException(t.task.name, e));
            return;
        }
        exit(t);
    }

    private void exit(SimTask t) {
        SimCpu c = cpus[t.task.cpu];
        account(c);
        t.task.state = TaskState.DEAD;
        live--;
        IllegalStateException holding = exitedHolding(t.task);
        if (holding != null) {
            fail(new TaskFailedException(t.task.name, holding));
            return;
        }
        fair.dequeueTask(c, t, true);
        leaveCpu(c, t);
        pickAndSet(c, t);
        cgroups.taskExited(t);
        for (SimTask j : t.joiners) {
            wake(j);
        }
        t.joiners.clear();
        SimTask next = dispatch();
        if (next != null) {
            handOff(next, t, true);
        }
    }

    @Override
    public RunStats run() {
        if (broken) {
            throw new IllegalStateException("kernel is unusable after a failed run");
        }
        if (!finished || inTask()) {
            throw new IllegalStateException("run() called while the kernel is running");
        }
        driver = Thread.currentThread();
        holder = driver;
        finished = false;
        SimTask next = dispatch();
        if (next != null) {
            handOff(next, null, false);
        }
        driver = null;
        if (failure != null) {
            throw failure;
        }
        return stats();
    }

    private RunStats stats() {
        long[] busy = new long[cpus.length];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = cpus[i].busyNs;
        }
        return new RunStats(now, events, hash.value(), busy, lockStats(), lockdep.violations());
    }

    // ---- the task-side primitives -----------------------------------------------------------

    @Override
    protected void doWork(TaskStruct ts, long cpuNs, int node, long bytes) {
        SimTask t = SimTask.of(ts);
        ts.workRequestedNs += cpuNs;
        SimCpu c = cpus[t.task.cpu];
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
            streamers.get(node).add(t);
            rebalanceStreams(node);
        }
        executing = null;
        reprogram(c);
        yieldCpu(t);
    }

    @Override
    public void sleep(long ns) {
        SimTask t = selfSim("sleep");
        if (ns <= 0) {
            condResched();
            return;
        }
        HrTimer tm = new HrTimer(this, "sleep:" + t.task.name, () -> wake(t));
        armTimer(tm, now + ns);
        block(t, "sleep until " + (now + ns), List::of);
    }

    @Override
    public void condResched() {
        SimTask t = selfSim("cond_resched");
        SimCpu c = cpus[t.task.cpu];
        if (fair.nrRunning(c) < 2) {
            return;
        }
        account(c);
        if (c.reschedPending || fair.reschedInNs(c, t) == 0) {
            account(c);
            hash.add(now, EV_PREEMPT, c.id, t.id);
            preempt(c, t);
            yieldCpu(t);
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
        t.task.blockedAt = now;
        fair.dequeueTask(c, t, true);
        leaveCpu(c, t);
        pickAndSet(c, t);
        yieldCpu(t);
    }

    /** The executing task keeps its CPU, burning time, until {@link #stopSpinning}. */
    void spin(SimTask t, String on, Supplier<List<String>> holders) {
        SimCpu c = cpus[t.task.cpu];
        account(c);
        t.work = SimTask.Work.SPIN;
        t.task.blockedAt = now;
        t.task.waitsOn = on;
        t.task.waitHolders = holders;
        t.execAt = now;
        executing = null;
        reprogram(c);
        yieldCpu(t);
        t.task.waitsOn = null;
        t.task.waitHolders = null;
    }

    /** Ends {@code t}'s spin now: the spun time is charged and it continues its code. */
    void stopSpinning(SimTask t) {
        SimCpu c = cpus[t.task.cpu];
        account(c);
        if (tracer.enabled()) {
            tracer.emit(new TraceEvent.TaskStateSpan(t.id, t.task.name, "spinning", t.task.waitsOn, t.task.blockedAt, now));
        }
        t.work = SimTask.Work.NONE;
        t.resumePending = true;
        t.resumeAt = now;
        reprogram(c);
    }

    /** Charges the lock-acquisition cost, with a cache-line transfer when the line is elsewhere. */
    void chargeLineTransfer(SimTask t, int lastCpu, long baseNs) {
        long cost = baseNs;
        if (lastCpu >= 0 && lastCpu != t.task.cpu) {
            cost += cpus[lastCpu].node == cpus[t.task.cpu].node ? machine.costs().cacheLineTransferNs()
                    : machine.costs().remoteCacheLineTransferNs();
        }
        if (cost > 0) {
            work(cost);
        }
    }

    @Override
    public void armTimer(HrTimer tm, long at) {
        tm.generation++;
        tm.expires = Math.max(at, now);
        timers.add(new TimerEntry(tm.expires, timerSeq++, tm, tm.generation));
    }

    @Override
    public boolean cancelTimer(HrTimer tm) {
        boolean was = tm.expires >= 0;
        tm.generation++;
        tm.expires = -1;
        return was;
    }

    // ---- the rest of the seam ------------------------------------------------------------------

    /** One baton holder runs at a time: the primitives need no lock of their own. */
    @Override
    public SeamGuard newGuard() {
        return SeamGuard.NONE;
    }

    @Override
    public void chargeLockAcquire(TaskStruct t, int lastCpu) {
        chargeLineTransfer(SimTask.of(t), lastCpu, machine.costs().lockAcquireNs());
    }

    @Override
    public void chargeLineTransfer(TaskStruct t, int lastCpu) {
        chargeLineTransfer(SimTask.of(t), lastCpu, 0);
    }

    @Override
    public void block(TaskStruct t, SeamGuard g, String on, Supplier<List<String>> holders, Runnable onFatalSignal) {
        SimTask s = SimTask.of(t);
        if (onFatalSignal != null) {
            s.onFatalSignal = onFatalSignal;
        }
        block(s, on, holders);
    }

    @Override
    public void wake(TaskStruct t) {
        wake(SimTask.of(t));
    }

    @Override
    public void spin(TaskStruct t, SeamGuard g, String on, Supplier<List<String>> holders) {
        spin(SimTask.of(t), on, holders);
    }

    @Override
    public void endSpin(TaskStruct t) {
        stopSpinning(SimTask.of(t));
    }

    @Override
    public long weightOf(TaskStruct t) {
        return SimTask.of(t).weight;
    }

    /** Up to date when read from kernel code, a timer callback, or after the run. */
    @Override
    public long sumExecRuntime(TaskStruct t) {
        SimTask s = SimTask.of(t);
        if (t.state == TaskState.RUNNING && mayAccount()) {
            accountCpu(t.cpu);
        }
        return s.sumExec;
    }

    @Override
    public org.kemu.schedfair.CpuController cpuController() {
        return cgroups;
    }

    // ---- hooks for the fair class and the cpu controller --------------------------------------

    SimCpu cpu(int id) {
        return cpus[id];
    }

    /** True when the calling thread may touch engine state: it holds the baton, or no run is on. */
    boolean mayAccount() {
        return finished || Thread.currentThread() == holder;
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
            if (t == executing) {
                yieldCpu(t);
            }
        } else {
            cpuChanged(c.id);
        }
    }
}
