package org.kemu.schedfair.hosted;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.kemu.schedfair.Backend;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.DeadlockException;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskFailedException;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.internal.HeldLock;
import org.kemu.schedfair.internal.HrTimer;
import org.kemu.schedfair.internal.KernelBase;
import org.kemu.schedfair.internal.SeamGuard;
import org.kemu.schedfair.internal.TaskAbort;
import org.kemu.schedfair.internal.TaskStruct;

/**
 * The hosted backend: every task is a platform thread, each primitive's state sits behind a real
 * lock ({@link HostedGuard}) and time is real. A blocked task parks its thread until its waker sets
 * its permit; a spinner spins on the permit on a real CPU. Emulated data structures are protected
 * only by the emulated kernel's own locks, so running the same kernel code here checks its locking
 * under true concurrency. Work is recorded per task and, with a burn factor, burns real CPU.
 *
 * <p>Deadlock detection is a watchdog: when every live task has been blocked or spinning in a kemu
 * primitive (not sleeping, not just granted) and nothing has changed for two consecutive checks
 * 50 ms apart, the run stops with a {@link DeadlockException} naming every task, what it waits or
 * spins on and who holds it. A spinner counts as stuck like a sleeper: spinning on a lock no one
 * hands over is no progress, however busy its CPU. Anything else that never ends (task code looping
 * or sleeping outside the kernel's primitives, a livelock) is stopped by the wall time limit
 * ({@link KernelConfig#wallTimeLimitNs()}) with {@code ETIME (hosted:wall_time_limit)} and the same
 * list of tasks.
 */
public final class HostedKernel extends KernelBase {
    private static final long WATCHDOG_MS = 50;
    private static final long WATCHDOG_NS = TimeUnit.MILLISECONDS.toNanos(WATCHDOG_MS);

    private final double burnFactor;
    private final ThreadLocal<TaskStruct> current = new ThreadLocal<>();
    private final List<TaskStruct> pendingStart = new ArrayList<>();
    /** Bumped on every state change of a primitive, so the watchdog can tell stuck from slow. */
    private final AtomicLong progress = new AtomicLong();
    private final ReentrantLock runLock = new ReentrantLock();
    private final Condition runCond = runLock.newCondition();
    private final ScheduledThreadPoolExecutor timerThread;
    private final long t0 = System.nanoTime();
    private final HostedCpuController cgroups;
    private volatile boolean running;
    private volatile boolean aborted;
    private volatile RuntimeException failure;
    private int live;

    public HostedKernel(KernelConfig config, double burnFactor) {
        super(config, new CopyOnWriteArrayList<>());
        KernelException.require(burnFactor >= 0 && Double.isFinite(burnFactor), Errno.EINVAL, "hosted:burn",
                "burn factor must be a finite non-negative number");
        this.burnFactor = burnFactor;
        this.timerThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kemu-hosted-timer");
            t.setDaemon(true);
            return t;
        });
        timerThread.setRemoveOnCancelPolicy(true);
        this.cgroups = new HostedCpuController(config.machine().topology().nrCpus(), config.kernelVersion());
    }

    @Override
    public Backend backend() {
        return Backend.HOSTED;
    }

    @Override
    public boolean runAborted() {
        return aborted;
    }

    @Override
    public long now() {
        return System.nanoTime() - t0;
    }

    @Override
    public TaskStruct self(String what) {
        TaskStruct t = current.get();
        if (t == null) {
            throw new IllegalStateException(what + " called outside an emulated task");
        }
        if (aborted) {
            throw new TaskAbort();
        }
        return t;
    }

    @Override
    public TaskStruct currentOrNull() {
        return current.get();
    }

    private static HostedTask hosted(TaskStruct t) {
        return (HostedTask) t.sched;
    }

    // ---- tasks ----------------------------------------------------------------------------------

    @Override
    protected void initTask(TaskStruct t) {
        t.sched = new HostedTask();
        t.thread = Thread.ofPlatform().name(t.name).unstarted(() -> taskMain(t));
    }

    @Override
    protected List<HeldLock> newHeldList() {
        return new CopyOnWriteArrayList<>();
    }

    @Override
    protected void wakeUpNewTask(TaskStruct t) {
        runLock.lock();
        try {
            if (t.woken) {
                return;
            }
            t.woken = true;
            t.state = TaskState.RUNNABLE;
            live++;
            if (running) {
                t.thread.start();
            } else {
                pendingStart.add(t);
            }
        } finally {
            runLock.unlock();
        }
    }

    @Override
    protected void renice(TaskStruct t, int nice) {
        t.nice = nice;
    }

    /** Host threads run wherever the host puts them: the mask is recorded, not enforced. */
    @Override
    protected void affinityChanged(TaskStruct t) {
    }

    @Override
    protected void fatalSignalSent(TaskStruct t) {
        progress.incrementAndGet();
        LockSupport.unpark(t.thread);
    }

    @Override
    protected void waitForExit(TaskStruct me, TaskStruct t) {
        me.waitsFor("exit of task '" + t.name + "'", () -> List.of(t.toString()), null);
        me.state = TaskState.BLOCKED;
        try {
            while (t.state != TaskState.DEAD) {
                t.thread.join(WATCHDOG_MS);
                if (aborted) {
                    throw new TaskAbort();
                }
            }
        } catch (InterruptedException e) {
            throw new TaskAbort();
        } finally {
            me.waitEnded();
            me.state = TaskState.RUNNING;
        }
    }

    // ---- time -----------------------------------------------------------------------------------

    @Override
    protected void doWork(TaskStruct t, long cpuNs, int node, long bytes) {
        t.workRequestedNs += cpuNs;
        t.bytesMoved += bytes;
        if (burnFactor > 0 && cpuNs > 0) {
            long until = System.nanoTime() + (long) (cpuNs * burnFactor);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public void sleep(long ns) {
        TaskStruct t = self("sleep");
        if (ns <= 0) {
            Thread.yield();
            return;
        }
        t.mightSleep("sleep");
        HostedTask h = hosted(t);
        h.sleeping = true;
        t.waitsFor("sleep", null, null);
        t.state = TaskState.BLOCKED;
        try {
            TimeUnit.NANOSECONDS.sleep(ns);
        } catch (InterruptedException e) {
            throw new TaskAbort();
        } finally {
            h.sleeping = false;
            t.waitEnded();
            t.state = TaskState.RUNNING;
        }
    }

    @Override
    public void condResched() {
        self("cond_resched");
        Thread.yield();
    }

    // ---- the seam -------------------------------------------------------------------------------

    @Override
    public SeamGuard newGuard() {
        return new HostedGuard();
    }

    /** Real locks cost what they cost on this host. */
    @Override
    public void chargeLockAcquire(TaskStruct t, int lastCpu) {
    }

    @Override
    public void chargeLineTransfer(TaskStruct t, int lastCpu) {
    }

    @Override
    public void block(TaskStruct t, SeamGuard g, String on, Supplier<List<String>> holders, Runnable onFatalSignal) {
        t.mightSleep(on);
        HostedTask h = hosted(t);
        t.waitsFor(on, holders, g);
        t.state = TaskState.BLOCKED;
        progress.incrementAndGet();
        g.unlock();
        try {
            while (!h.wakeup) {
                if (aborted) {
                    throw new TaskAbort();
                }
                if (onFatalSignal != null && t.fatalSignal) {
                    break;
                }
                LockSupport.parkNanos(this, WATCHDOG_NS);
            }
        } finally {
            g.lock();
        }
        // the guard is held again: a wake-up that came after the signal still counts
        if (h.wakeup) {
            h.wakeup = false;
        } else {
            onFatalSignal.run();
        }
        t.waitEnded();
        t.state = TaskState.RUNNING;
        progress.incrementAndGet();
    }

    @Override
    public void wake(TaskStruct t) {
        hosted(t).wakeup = true;
        LockSupport.unpark(t.thread);
        progress.incrementAndGet();
    }

    @Override
    public void spin(TaskStruct t, SeamGuard g, String on, Supplier<List<String>> holders) {
        HostedTask h = hosted(t);
        t.waitsFor(on, holders, g);
        t.state = TaskState.BLOCKED;
        g.unlock();
        try {
            long spins = 0;
            while (!h.wakeup) {
                Thread.onSpinWait();
                if ((++spins & 0x3f) == 0) {
                    // on an oversubscribed host, let the holder (or the next in line) run
                    Thread.yield();
                    if (aborted) {
                        throw new TaskAbort();
                    }
                }
            }
        } finally {
            g.lock();
        }
        h.wakeup = false;
        t.waitEnded();
        t.state = TaskState.RUNNING;
    }

    @Override
    public void endSpin(TaskStruct t) {
        hosted(t).wakeup = true;
        progress.incrementAndGet();
    }

    @Override
    public void armTimer(HrTimer tm, long at) {
        synchronized (tm) {
            if (tm.pending != null) {
                ((Future<?>) tm.pending).cancel(false);
            }
            long gen = ++tm.generation;
            tm.expires = at;
            tm.pending = timerThread.schedule(() -> fire(tm, gen), Math.max(0, at - now()), TimeUnit.NANOSECONDS);
        }
    }

    /** The timer callback runs on the timer thread, as in interrupt context. */
    private void fire(HrTimer tm, long gen) {
        synchronized (tm) {
            if (tm.generation != gen) {
                return;
            }
            tm.expires = -1;
            tm.pending = null;
        }
        try {
            tm.callback.run();
        } catch (RuntimeException e) {
            fail(new TaskFailedException("timer " + tm.name(), e));
        }
    }

    @Override
    public boolean cancelTimer(HrTimer tm) {
        synchronized (tm) {
            boolean was = tm.pending != null && ((Future<?>) tm.pending).cancel(false);
            tm.generation++;
            tm.pending = null;
            tm.expires = -1;
            return was;
        }
    }

    @Override
    public long weightOf(TaskStruct t) {
        return Nice.weight(t.policy, t.nice);
    }

    /** Real CPU time of the thread (the host's accounting), once started. */
    @Override
    public long sumExecRuntime(TaskStruct t) {
        long atExit = hosted(t).cpuNsAtExit;
        if (atExit >= 0) {
            return atExit;
        }
        Thread th = t.thread;
        if (th == null || !th.isAlive()) {
            return 0;
        }
        return Math.max(0, ManagementFactory.getThreadMXBean().getThreadCpuTime(th.threadId()));
    }

    // ---- running --------------------------------------------------------------------------------

    private void taskMain(TaskStruct t) {
        current.set(t);
        t.state = TaskState.RUNNING;
        try {
            t.body.run();
            IllegalStateException holding = t.exitedHolding();
            if (holding != null) {
                throw holding;
            }
        } catch (TaskAbort a) {
            // the run was aborted elsewhere
        } catch (Throwable e) {
            fail(new TaskFailedException(t.name, e));
        } finally {
            hosted(t).cpuNsAtExit = Math.max(0,
                    ManagementFactory.getThreadMXBean().getThreadCpuTime(Thread.currentThread().threadId()));
            t.state = TaskState.DEAD;
            progress.incrementAndGet();
            runLock.lock();
            try {
                live--;
                runCond.signalAll();
            } finally {
                runLock.unlock();
            }
        }
    }

    private void fail(RuntimeException e) {
        runLock.lock();
        try {
            if (failure == null) {
                failure = e;
            }
            aborted = true;
            for (TaskStruct t : tasks) {
                if (t.thread.isAlive()) {
                    t.thread.interrupt();
                }
            }
            runCond.signalAll();
        } finally {
            runLock.unlock();
        }
    }

    @Override
    public RunStats run() {
        if (inTask()) {
            throw new IllegalStateException("run() called from inside a task");
        }
        if (aborted) {
            throw new IllegalStateException("kernel is unusable after a failed run");
        }
        long start = now();
        runLock.lock();
        try {
            running = true;
            for (TaskStruct t : pendingStart) {
                t.thread.start();
            }
            pendingStart.clear();
            long lastProgress = -1;
            int stuckChecks = 0;
            long wallLimit = config.wallTimeLimitNs();
            while (live > 0 && failure == null) {
                runCond.await(WATCHDOG_MS, TimeUnit.MILLISECONDS);
                if (wallLimit > 0 && now() - start >= wallLimit && live > 0 && failure == null) {
                    fail(new KernelException(Errno.ETIME, "hosted:wall_time_limit", String.format(java.util.Locale.ROOT,
                            "wall time limit of %.6f s reached; tasks:", wallLimit / 1e9)
                            + org.kemu.schedfair.internal.DeadlockReport.describe(tasks)));
                    break;
                }
                long p = progress.get();
                if (p == lastProgress && allBlocked()) {
                    if (++stuckChecks >= 2) {
                        fail(deadlock());
                    }
                } else {
                    stuckChecks = 0;
                }
                lastProgress = p;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(new IllegalStateException("interrupted while running"));
        } finally {
            running = false;
            runLock.unlock();
        }
        if (failure != null) {
            for (TaskStruct t : tasks) {
                try {
                    t.thread.join(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            throw failure;
        }
        return new RunStats(now() - start, 0, 0, new long[0], lockStats(), lockdep.violations());
    }

    /** Every live task waits in a primitive, and none has been handed what it waits for. */
    private boolean allBlocked() {
        boolean any = false;
        for (TaskStruct t : tasks) {
            if (!t.woken || t.state == TaskState.DEAD) {
                continue;
            }
            HostedTask h = hosted(t);
            if (t.state != TaskState.BLOCKED || h.sleeping || h.wakeup) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** Host threads run on the host's CPUs, none on an emulated one: every emulated CPU reads as idle. */
    @Override
    public Task cpuCurr(int cpu) {
        checkCpu(cpu, "cpu_curr:cpu");
        return null;
    }

    @Override
    public int nextBusyCpu(int from) {
        return -1;
    }

    @Override
    public CpuController cpuController() {
        return cgroups;
    }
}
