package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Backend;
import org.kemu.schedfair.Completion;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.DeadlockException;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.KernelTimer;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.LockValidator;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskFailedException;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.Topology;
import org.kemu.schedfair.TraceEvent;
import org.kemu.schedfair.Tracer;
import org.kemu.schedfair.WaitQueue;
import org.kemu.schedfair.internal.EventHash;
import org.kemu.schedfair.internal.LockStatsRecorder;
import org.kemu.schedfair.internal.KernelBase;
import org.kemu.schedfair.lockdep.Lockdep;

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

    private final MachineSpec machine;
    final Lockdep lockdep;
    final SimCpu[] cpus;
    final FairClass fair;
    private final SimCpuController cgroups;
    private final CpuEventHeap heap;
    private final PriorityQueue<SimTimer.Entry> timers = new PriorityQueue<>(
            Comparator.comparingLong(SimTimer.Entry::at).thenComparingLong(SimTimer.Entry::seq));
    private final List<List<SimTask>> streamers = new ArrayList<>();
    private final CpuMask online;
    private final List<SimTask> tasks = new ArrayList<>();
    private final List<LockStatsRecorder> lockStats = new ArrayList<>();
    private final EventHash hash = new EventHash();
    final Tracer tracer = new Tracer(this);

    long now;
    private long events;
    private long timerSeq;
    private long nextTaskId = 1;
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
        super(config);
        this.machine = config.machine();
        Topology topo = machine.topology();
        int n = topo.nrCpus();
        this.online = topo.allCpus();
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
        this.lockdep = new Lockdep(() -> inTask() ? executing : null);
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
    public Task current() {
        return self("current");
    }

    @Override
    public boolean inTask() {
        SimTask e = executing;
        return e != null && e.thread == Thread.currentThread();
    }

    /** The executing task; throws outside a task, and unwinds when the run was aborted. */
    SimTask self(String what) {
        if (aborted && Thread.currentThread().isVirtual()) {
            throw new TaskAbort();
        }
        SimTask e = executing;
        if (e == null || e.thread != Thread.currentThread()) {
            if (aborted) {
                throw new TaskAbort();
            }
            throw new IllegalStateException(what + " called outside an emulated task");
        }
        return e;
    }

    @Override
    public List<Task> tasks() {
        return List.copyOf(tasks);
    }

    @Override
    public int numOnlineCpus() {
        return online.weight();
    }

    @Override
    public CpuMask onlineMask() {
        return online;
    }

    // ---- task creation ------------------------------------------------------------------------

    private void checkSetup(String what) {
        if (broken) {
            throw new IllegalStateException("kernel is unusable after a failed run");
        }
        if (!finished && !inTask()) {
            throw new IllegalStateException(what + " from outside a task while the kernel runs");
        }
    }

    private SimTask newTask(TaskSpec spec, TaskBody body) {
        CpuMask mask = checkMask(spec.affinity(), spec.name());
        SimTask t = new SimTask(nextTaskId++, spec.name(), spec.kthread(), spec.tgid(), spec.nice(),
                spec.policy(), mask, body);
        t.thread = Thread.ofVirtual().name(spec.name()).unstarted(() -> taskMain(t));
        t.tg = fair.root;
        t.kernel = this;
        fair.root.tasks.add(t);
        tasks.add(t);
        return t;
    }

    @Override
    public Task spawn(TaskSpec spec, TaskBody body, java.util.function.Consumer<Task> setup) {
        checkSetup("spawn");
        SimTask t = newTask(spec, body);
        setup.accept(t);
        t.woken = true;
        live++;
        activate(t, selectCpu(t, true), false, true);
        return t;
    }

    @Override
    public Task kthreadCreate(String name, TaskBody body) {
        checkSetup("kthread_create");
        if (inTask() && machine.costs().kthreadCreateNs() > 0) {
            work(machine.costs().kthreadCreateNs());
        }
        return newTask(TaskSpec.kthread(name), body);
    }

    @Override
    public boolean wakeUpProcess(Task task) {
        checkSetup("wake_up_process");
        SimTask t = own(task);
        if (t.woken) {
            return false;
        }
        t.woken = true;
        live++;
        activate(t, selectCpu(t, true), false, true);
        return true;
    }

    private SimTask own(Task task) {
        if (!(task instanceof SimTask t) || !tasks.contains(t)) {
            throw new KernelException(Errno.ESRCH, "task", "task " + task + " does not belong to this kernel");
        }
        return t;
    }

    @Override
    public void setUserNice(Task task, int nice) {
        Nice.check(nice);
        SimTask t = own(task);
        long w = Nice.weight(t.policy, nice);
        t.nice = nice;
        if (t.state == TaskState.RUNNING || t.state == TaskState.RUNNABLE) {
            SimCpu c = cpus[t.cpu];
            account(c);
            fair.reweightTask(t, w);
            if (c.curr != null && c.curr != t && t.state == TaskState.RUNNABLE && fair.wakeupPreempt(c, c.curr, t)) {
                c.reschedPending = true;
            }
            reprogram(c);
        } else {
            t.weight = w;
        }
    }

    @Override
    public void setAffinity(Task task, CpuMask mask) {
        SimTask t = own(task);
        KernelException.require(!t.noSetAffinity, Errno.EINVAL, "sched_setaffinity:no_setaffinity",
                "'" + t.name + "' is a bound kthread (PF_NO_SETAFFINITY)");
        requireMask(mask);
        t.affinity = checkMask(mask, t.name);
        if (t.cpu < 0 || t.affinity.contains(t.cpu)) {
            return;
        }
        SimCpu c = cpus[t.cpu];
        if (t.state == TaskState.RUNNABLE) {
            account(c);
            fair.dequeueTask(c, t, false);
            activate(t, selectCpu(t, false), false, false);
            reprogram(c);
        } else if (t.state == TaskState.RUNNING) {
            account(c);
            leaveCpu(c, t);
            fair.dequeueTask(c, t, false);
            t.state = TaskState.RUNNABLE;
            pickAndSet(c, t);
            activate(t, selectCpu(t, false), false, false);
            if (t == executing) {
                yieldCpu(t);
            }
        }
    }

    private static void requireMask(CpuMask mask) {
        KernelException.require(mask != null, Errno.EINVAL, "sched_setaffinity:null", "null affinity mask");
    }

    @Override
    public void kthreadBindMask(Task task, CpuMask mask) {
        SimTask t = own(task);
        KernelException.require(t.state == TaskState.NEW, Errno.EINVAL, "kthread_bind_mask:state",
                "'" + t.name + "' has already run");
        requireMask(mask);
        t.affinity = checkMask(mask, t.name);
        t.noSetAffinity = true;
    }

    @Override
    public void sendFatalSignal(Task task) {
        SimTask t = own(task);
        t.fatalSignal = true;
        if (t.state == TaskState.BLOCKED && t.onFatalSignal != null) {
            Runnable r = t.onFatalSignal;
            t.onFatalSignal = null;
            r.run();
            wake(t);
        }
    }

    @Override
    public boolean fatalSignalPending() {
        return self("fatal_signal_pending").fatalSignal;
    }

    @Override
    public void join(Task task) {
        SimTask me = self("join");
        SimTask t = own(task);
        KernelException.require(t != me, Errno.EDEADLK, "join:self", "a task cannot wait for itself");
        if (t.state == TaskState.DEAD) {
            return;
        }
        KernelException.require(t.woken, Errno.EINVAL, "join:never_woken",
                "'" + t.name + "' was created but never woken");
        t.joiners.add(me);
        block(me, "exit of task '" + t.name + "'", () -> List.of(t.toString()));
    }

    // ---- placement and the CPU state machine ---------------------------------------------------

    /**
     * select_task_rq: the previous CPU if it is idle and allowed, else an idle allowed CPU (same
     * node first, scanning upwards from the previous CPU), else the previous CPU if allowed, else
     * the allowed CPU with the fewest tasks. A new task (fork balancing, find_idlest_cpu) goes to
     * the allowed CPU with the fewest tasks when none is idle. Ties go to the lowest CPU id.
     */
    private SimCpu selectCpu(SimTask t, boolean fork) {
        CpuMask allowed = t.affinity.and(online);
        int prev = t.cpu >= 0 ? t.cpu : (inTask() ? executing.cpu : allowed.firstCpu());
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
        t.cpu = c.id;
        t.state = TaskState.RUNNABLE;
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
        if (t.state != TaskState.BLOCKED) {
            return false;
        }
        if (tracer.enabled()) {
            tracer.emit(new TraceEvent.TaskStateSpan(t.id, t.name, "blocked", t.waitsOn, t.blockedAt, now));
        }
        t.waitsOn = null;
        t.waitHolders = null;
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
            tracer.emit(new TraceEvent.CpuSlice(c.id, t.id, t.name, t.runStart, now));
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
        next.state = TaskState.RUNNING;
        next.cpu = c.id;
        long start = now;
        if (next != prev) {
            start += machine.costs().contextSwitchNs();
            c.contextSwitches++;
        }
        next.execAt = start;
        if (tracer.enabled() && next != prev && start > next.queuedAt) {
            tracer.emit(new TraceEvent.TaskStateSpan(next.id, next.name, "runnable", null, next.queuedAt, start));
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
                if (q.affinity.contains(c.id)) {
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
        pick.cpu = c.id;
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
            SimCpu c = cpus[t.cpu];
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
            if (t.preemptCount == 0) {
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
            SimTimer.Entry te = timers.peek();
            if (te != null && te.at() <= tc) {
                timers.poll();
                if (te.generation() != te.timer().generation) {
                    continue;
                }
                if (!advance(te.at())) {
                    return null;
                }
                SimTimer tm = te.timer();
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
        for (SimTask t : tasks) {
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
        t.bytesMoved += t.workBytes;
        t.work = SimTask.Work.NONE;
        t.workBytes = 0;
    }

    private void preempt(SimCpu c, SimTask t) {
        leaveCpu(c, t);
        t.state = TaskState.RUNNABLE;
        t.queuedAt = now;
        fair.putPrevTask(c, t);
        fair.sendToLimboIfThrottled(c, t);
        pickAndSet(c, t);
    }

    private DeadlockException deadlock() {
        List<DeadlockException.BlockedTask> blocked = new ArrayList<>();
        for (SimTask t : tasks) {
            if (!t.woken || t.state == TaskState.DEAD) {
                continue;
            }
            List<String> holders = t.waitHolders != null ? t.waitHolders.get() : List.of();
            String on = t.waitsOn != null ? t.waitsOn : t.state.toString().toLowerCase();
            blocked.add(new DeadlockException.BlockedTask(t.toString(), on, holders));
        }
        return new DeadlockException(blocked);
    }

    private void fail(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        broken = true;
        aborted = true;
        for (SimTask t : tasks) {
            if (t.started && t.state != TaskState.DEAD && t.thread != Thread.currentThread()) {
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
        holder = next.thread;
        baton = next;
        if (!next.started) {
            next.started = true;
            next.thread.start();
        } else {
            LockSupport.unpark(next.thread);
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
            t.body.run();
        } catch (TaskAbort a) {
            return;
        } catch (Throwable e) {
            fail(new TaskFailedException(t.name, e));
            return;
        }
        exit(t);
    }

    private void exit(SimTask t) {
        SimCpu c = cpus[t.cpu];
        account(c);
        t.state = TaskState.DEAD;
        live--;
        if (!t.held.isEmpty()) {
            fail(new TaskFailedException(t.name, new IllegalStateException(
                    "task exited holding " + t.held.stream().map(h -> h.lockName()).toList())));
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
        List<LockStats> ls = new ArrayList<>();
        for (LockStatsRecorder r : lockStats) {
            ls.add(r.snapshot());
        }
        return new RunStats(now, events, hash.value(), busy, ls, lockdep.violations());
    }

    // ---- the task-side primitives -----------------------------------------------------------

    @Override
    public void work(long cpuNs, int node, long bytes) {
        SimTask t = self("work");
        // checked before any message is built: work() is the engine's hottest call
        if (cpuNs < 0 || bytes < 0) {
            throw new KernelException(Errno.EINVAL, "work:negative", "work of " + cpuNs + " ns and " + bytes + " bytes");
        }
        if (node < 0 || node >= streamers.size()) {
            throw new KernelException(Errno.EINVAL, "work:node", "no node " + node);
        }
        if (cpuNs == 0 && bytes == 0) {
            return;
        }
        t.workRequestedNs += cpuNs;
        SimCpu c = cpus[t.cpu];
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
        SimTask t = self("sleep");
        if (ns <= 0) {
            condResched();
            return;
        }
        SimTimer tm = new SimTimer(this, "sleep:" + t.name, () -> wake(t));
        armTimer(tm, now + ns);
        block(t, "sleep until " + (now + ns), List::of);
    }

    @Override
    public void condResched() {
        SimTask t = self("cond_resched");
        SimCpu c = cpus[t.cpu];
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
        if (t.preemptCount > 0) {
            throw new IllegalStateException("BUG: scheduling while atomic: task '" + t.name
                    + "' would sleep on " + on + " while holding a spinlock");
        }
        SimCpu c = cpus[t.cpu];
        account(c);
        t.state = TaskState.BLOCKED;
        t.waitsOn = on;
        t.waitHolders = holders;
        t.blockedAt = now;
        fair.dequeueTask(c, t, true);
        leaveCpu(c, t);
        pickAndSet(c, t);
        yieldCpu(t);
    }

    /** The executing task keeps its CPU, burning time, until {@link #stopSpinning}. */
    void spin(SimTask t, String on, Supplier<List<String>> holders) {
        SimCpu c = cpus[t.cpu];
        account(c);
        t.work = SimTask.Work.SPIN;
        t.blockedAt = now;
        t.waitsOn = on;
        t.waitHolders = holders;
        t.execAt = now;
        executing = null;
        reprogram(c);
        yieldCpu(t);
        t.waitsOn = null;
        t.waitHolders = null;
    }

    /** Ends {@code t}'s spin now: the spun time is charged and it continues its code. */
    void stopSpinning(SimTask t) {
        SimCpu c = cpus[t.cpu];
        account(c);
        if (tracer.enabled()) {
            tracer.emit(new TraceEvent.TaskStateSpan(t.id, t.name, "spinning", t.waitsOn, t.blockedAt, now));
        }
        t.work = SimTask.Work.NONE;
        t.resumePending = true;
        t.resumeAt = now;
        reprogram(c);
    }

    /** Charges the lock-acquisition cost, with a cache-line transfer when the line is elsewhere. */
    void chargeLineTransfer(SimTask t, int lastCpu, long baseNs) {
        long cost = baseNs;
        if (lastCpu >= 0 && lastCpu != t.cpu) {
            cost += cpus[lastCpu].node == cpus[t.cpu].node ? machine.costs().cacheLineTransferNs()
                    : machine.costs().remoteCacheLineTransferNs();
        }
        if (cost > 0) {
            work(cost);
        }
    }

    void armTimer(SimTimer tm, long at) {
        tm.generation++;
        tm.expires = Math.max(at, now);
        timers.add(new SimTimer.Entry(tm.expires, timerSeq++, tm, tm.generation));
    }

    boolean cancelTimer(SimTimer tm) {
        boolean was = tm.expires >= 0;
        tm.generation++;
        tm.expires = -1;
        return was;
    }

    LockStatsRecorder newStats(String name, String kind) {
        LockStatsRecorder r = new LockStatsRecorder(name, kind);
        lockStats.add(r);
        return r;
    }

    // ---- factories --------------------------------------------------------------------------

    @Override
    public Mutex mutex(String name) {
        return new SimMutex(this, name);
    }

    @Override
    public RwSemaphore rwsem(String name) {
        return new SimRwSemaphore(this, name);
    }

    @Override
    public SpinLock spinlock(String name) {
        return new SimSpinLock(this, name);
    }

    @Override
    public Completion completion(String name) {
        return new SimCompletion(this, name);
    }

    @Override
    public WaitQueue waitQueue(String name) {
        return new SimWaitQueue(this, name);
    }

    @Override
    public AtomicCounter atomic(String name, long initial) {
        return new SimAtomic(this, name, initial);
    }

    @Override
    public KernelTimer timer(String name, Runnable callback) {
        return new SimTimer(this, name, callback);
    }

    @Override
    public LockValidator lockdep() {
        return lockdep;
    }

    @Override
    public org.kemu.schedfair.CpuController cpuController() {
        return cgroups;
    }

    @Override
    public Tracer tracer() {
        return tracer;
    }

    /** Reports a contended lock acquisition that just ended. */
    void traceLockWait(String lock, String kind, SimTask t, long start) {
        if (tracer.enabled()) {
            tracer.emit(new TraceEvent.LockWait(lock, kind, t.id, t.name, start, now));
        }
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
        if (t.state != TaskState.RUNNING && t.state != TaskState.RUNNABLE) {
            t.tg = to;
            t.cfsRq = null;
            return;
        }
        SimCpu c = cpus[t.cpu];
        account(c);
        boolean running = t.state == TaskState.RUNNING;
        if (running) {
            leaveCpu(c, t);
        }
        fair.dequeueTask(c, t, false);
        t.tg = to;
        t.cfsRq = null;
        t.state = TaskState.RUNNABLE;
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
