package org.kemu.schedfair.hosted;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
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
import org.kemu.schedfair.WaitQueue;
import org.kemu.schedfair.internal.LockStatsRecorder;
import org.kemu.schedfair.internal.KernelBase;
import org.kemu.schedfair.lockdep.Lockdep;

/**
 * The hosted backend: every task is a platform thread, primitives are real locks and time is real.
 * Emulated data structures are protected only by the emulated kernel's own locks, so running the
 * same kernel code here checks its locking under true concurrency. Work is recorded per task and,
 * with a burn factor, burns real CPU in proportion.
 *
 * <p>Deadlock detection is a watchdog: when every live task has been blocked in a kemu primitive
 * (not sleeping) and nothing has changed for two consecutive checks 50 ms apart, the run stops with
 * a {@link DeadlockException} naming every blocked task.
 */
public final class HostedKernel extends KernelBase {
    private static final long WATCHDOG_MS = 50;

    private final double burnFactor;
    final Lockdep lockdep;
    private final ThreadLocal<HostedTask> current = new ThreadLocal<>();
    private final List<HostedTask> tasks = new CopyOnWriteArrayList<>();
    private final List<HostedTask> pendingStart = new ArrayList<>();
    private final List<LockStatsRecorder> lockStats = new CopyOnWriteArrayList<>();
    private final AtomicLong nextId = new AtomicLong(1);
    /** Bumped on every state change of a primitive, so the watchdog can tell stuck from slow. */
    final AtomicLong progress = new AtomicLong();
    private final ReentrantLock runLock = new ReentrantLock();
    private final Condition runCond = runLock.newCondition();
    private final ScheduledThreadPoolExecutor timerThread;
    private final long t0 = System.nanoTime();
    private final HostedCpuController cgroups;
    private final org.kemu.schedfair.Tracer tracer = new org.kemu.schedfair.Tracer(this);
    private volatile boolean running;
    volatile boolean aborted;
    private volatile RuntimeException failure;
    private int live;

    public HostedKernel(KernelConfig config, double burnFactor) {
        super(config);
        KernelException.require(burnFactor >= 0 && Double.isFinite(burnFactor), Errno.EINVAL, "hosted:burn",
                "burn factor must be a finite non-negative number");
        this.burnFactor = burnFactor;
        this.lockdep = new Lockdep(current::get);
        this.timerThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kemu-hosted-timer");
            t.setDaemon(true);
            return t;
        });
        timerThread.setRemoveOnCancelPolicy(true);
        this.cgroups = new HostedCpuController(config.machine().topology().nrCpus());
    }

    @Override
    public Backend backend() {
        return Backend.HOSTED;
    }

    @Override
    public long now() {
        return System.nanoTime() - t0;
    }

    @Override
    public Task current() {
        return self("current");
    }

    HostedTask self(String what) {
        HostedTask t = current.get();
        if (t == null) {
            throw new IllegalStateException(what + " called outside an emulated task");
        }
        if (aborted) {
            throw new HostedAbort();
        }
        return t;
    }

    HostedTask currentOrNull() {
        return current.get();
    }

    @Override
    public boolean inTask() {
        return current.get() != null;
    }

    @Override
    public List<Task> tasks() {
        return List.copyOf(tasks);
    }

    @Override
    public int numOnlineCpus() {
        return config.machine().topology().nrCpus();
    }

    @Override
    public CpuMask onlineMask() {
        return config.machine().topology().allCpus();
    }

    private HostedTask newTask(TaskSpec spec, TaskBody body) {
        CpuMask mask = checkMask(spec.affinity(), spec.name());
        HostedTask t = new HostedTask(nextId.getAndIncrement(), spec.name(), spec.kthread(), spec.tgid(),
                spec.nice(), spec.policy(), mask, body);
        t.thread = Thread.ofPlatform().name(spec.name()).unstarted(() -> taskMain(t));
        tasks.add(t);
        return t;
    }

    @Override
    public Task spawn(TaskSpec spec, TaskBody body, java.util.function.Consumer<Task> setup) {
        HostedTask t = newTask(spec, body);
        setup.accept(t);
        start(t);
        return t;
    }

    @Override
    public Task kthreadCreate(String name, TaskBody body) {
        return newTask(TaskSpec.kthread(name), body);
    }

    @Override
    public boolean wakeUpProcess(Task task) {
        HostedTask t = own(task);
        if (t.woken) {
            return false;
        }
        start(t);
        return true;
    }

    private void start(HostedTask t) {
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

    private HostedTask own(Task task) {
        if (!(task instanceof HostedTask t) || !tasks.contains(t)) {
            throw new KernelException(Errno.ESRCH, "task", "task " + task + " does not belong to this kernel");
        }
        return t;
    }

    @Override
    public void setUserNice(Task task, int nice) {
        Nice.check(nice);
        own(task).nice = nice;
    }

    @Override
    public void setAffinity(Task task, CpuMask mask) {
        HostedTask t = own(task);
        KernelException.require(!t.noSetAffinity, Errno.EINVAL, "sched_setaffinity:no_setaffinity",
                "'" + t.name + "' is a bound kthread (PF_NO_SETAFFINITY)");
        KernelException.require(mask != null, Errno.EINVAL, "sched_setaffinity:null", "null affinity mask");
        t.affinity = checkMask(mask, t.name);
    }

    @Override
    public void kthreadBindMask(Task task, CpuMask mask) {
        HostedTask t = own(task);
        KernelException.require(t.state == TaskState.NEW, Errno.EINVAL, "kthread_bind_mask:state",
                "'" + t.name + "' has already run");
        KernelException.require(mask != null, Errno.EINVAL, "kthread_bind_mask:null", "null mask");
        t.affinity = checkMask(mask, t.name);
        t.noSetAffinity = true;
    }

    @Override
    public void sendFatalSignal(Task task) {
        own(task).fatalSignal = true;
        progress.incrementAndGet();
    }

    @Override
    public boolean fatalSignalPending() {
        return self("fatal_signal_pending").fatalSignal;
    }

    @Override
    public void join(Task task) {
        HostedTask me = self("join");
        HostedTask t = own(task);
        KernelException.require(t != me, Errno.EDEADLK, "join:self", "a task cannot wait for itself");
        KernelException.require(t.woken, Errno.EINVAL, "join:never_woken",
                "'" + t.name + "' was created but never woken");
        me.blockedOn("exit of task '" + t.name + "'", List.of(t.toString()));
        try {
            while (t.state != TaskState.DEAD) {
                t.thread.join(WATCHDOG_MS);
                if (aborted) {
                    throw new HostedAbort();
                }
            }
        } catch (InterruptedException e) {
            throw new HostedAbort();
        } finally {
            me.running();
        }
    }

    // ---- time ---------------------------------------------------------------------------------

    @Override
    public void work(long cpuNs, int node, long bytes) {
        HostedTask t = self("work");
        // checked before any message is built: work() is the engine's hottest call
        if (cpuNs < 0 || bytes < 0) {
            throw new KernelException(Errno.EINVAL, "work:negative", "work of " + cpuNs + " ns and " + bytes + " bytes");
        }
        if (node < 0 || node >= config.machine().topology().nodes()) {
            throw new KernelException(Errno.EINVAL, "work:node", "no node " + node);
        }
        t.workNs += cpuNs;
        t.bytes += bytes;
        if (burnFactor > 0 && cpuNs > 0) {
            long until = System.nanoTime() + (long) (cpuNs * burnFactor);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public void sleep(long ns) {
        HostedTask t = self("sleep");
        if (ns <= 0) {
            Thread.yield();
            return;
        }
        t.sleeping = true;
        t.blockedOn("sleep", List.of());
        try {
            TimeUnit.NANOSECONDS.sleep(ns);
        } catch (InterruptedException e) {
            throw new HostedAbort();
        } finally {
            t.sleeping = false;
            t.running();
        }
    }

    @Override
    public void condResched() {
        self("cond_resched");
        Thread.yield();
    }

    /**
     * Blocks {@code t} on {@code cond} until {@code ready} holds (checked under {@code lock}, which
     * the caller holds); {@code interrupted} is checked too, for killable waits. Returns false when
     * {@code interrupted} ended the wait.
     */
    boolean await(HostedTask t, ReentrantLock lock, Condition cond, BooleanSupplier ready, BooleanSupplier interrupted,
            String on, Supplier<List<String>> holders) {
        t.blockedOn(on, holders.get());
        try {
            while (!ready.getAsBoolean()) {
                if (aborted) {
                    throw new HostedAbort();
                }
                if (interrupted != null && interrupted.getAsBoolean()) {
                    return false;
                }
                t.waitHolders = holders.get();
                cond.await(WATCHDOG_MS, TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            throw new HostedAbort();
        } finally {
            t.running();
            progress.incrementAndGet();
        }
    }

    LockStatsRecorder newStats(String name, String kind) {
        LockStatsRecorder r = new LockStatsRecorder(name, kind);
        lockStats.add(r);
        return r;
    }

    // ---- running ----------------------------------------------------------------------------

    private void taskMain(HostedTask t) {
        current.set(t);
        t.state = TaskState.RUNNING;
        try {
            t.body.run();
            if (!t.held.isEmpty()) {
                throw new IllegalStateException("task exited holding "
                        + t.held.stream().map(h -> h.lockName()).toList());
            }
        } catch (HostedAbort a) {
            // the run was aborted elsewhere
        } catch (Throwable e) {
            fail(new TaskFailedException(t.name, e));
        } finally {
            t.cpuNsAtExit = Math.max(0,
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
            for (HostedTask t : tasks) {
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
            for (HostedTask t : pendingStart) {
                t.thread.start();
            }
            pendingStart.clear();
            long lastProgress = -1;
            int stuckChecks = 0;
            while (live > 0 && failure == null) {
                runCond.await(WATCHDOG_MS, TimeUnit.MILLISECONDS);
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
            for (HostedTask t : tasks) {
                try {
                    t.thread.join(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            throw failure;
        }
        List<LockStats> ls = new ArrayList<>();
        for (LockStatsRecorder r : lockStats) {
            ls.add(r.snapshot());
        }
        return new RunStats(now() - start, 0, 0, new long[0], ls, lockdep.violations());
    }

    private boolean allBlocked() {
        boolean any = false;
        for (HostedTask t : tasks) {
            if (!t.woken || t.state == TaskState.DEAD) {
                continue;
            }
            if (t.state != TaskState.BLOCKED || t.sleeping) {
                return false;
            }
            HostedSpinLock spin = t.spinningOn;
            if (spin != null && spin.servingTicket(t.spinTicket)) {
                return false;
            }
            any = true;
        }
        return any;
    }

    private DeadlockException deadlock() {
        List<DeadlockException.BlockedTask> blocked = new ArrayList<>();
        for (HostedTask t : tasks) {
            if (t.woken && t.state != TaskState.DEAD) {
                blocked.add(new DeadlockException.BlockedTask(t.toString(),
                        t.waitsOn == null ? t.state.toString().toLowerCase() : t.waitsOn, t.waitHolders));
            }
        }
        return new DeadlockException(blocked);
    }

    // ---- factories --------------------------------------------------------------------------

    @Override
    public Mutex mutex(String name) {
        return new HostedMutex(this, name);
    }

    @Override
    public RwSemaphore rwsem(String name) {
        return new HostedRwSemaphore(this, name);
    }

    @Override
    public SpinLock spinlock(String name) {
        return new HostedSpinLock(this, name);
    }

    @Override
    public Completion completion(String name) {
        return new HostedCompletion(this, name);
    }

    @Override
    public WaitQueue waitQueue(String name) {
        return new HostedWaitQueue(this, name);
    }

    @Override
    public AtomicCounter atomic(String name, long initial) {
        return new HostedAtomic(name, initial);
    }

    @Override
    public KernelTimer timer(String name, Runnable callback) {
        return new HostedTimer(this, timerThread, name, callback);
    }

    @Override
    public LockValidator lockdep() {
        return lockdep;
    }

    void timerFailed(String name, RuntimeException e) {
        fail(new TaskFailedException("timer " + name, e));
    }

    @Override
    public org.kemu.schedfair.CpuController cpuController() {
        return cgroups;
    }

    /** Hosted runs report subsystem spans and counters; CPU slices are the host's business. */
    @Override
    public org.kemu.schedfair.Tracer tracer() {
        return tracer;
    }
}
