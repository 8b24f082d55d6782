package org.kemu.schedfair.internal;

import org.kemu.schedfair.TickGrid;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Completion;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.DeadlockException;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.KernelTimer;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.Tracer;
import org.kemu.schedfair.WaitQueue;
import org.kemu.schedfair.lockdep.Lockdep;

/**
 * The {@link Kernel} facade, written once: every argument check of both backends, the task
 * struct's creation, and the primitives, which run over the {@link SchedSeam} the backend
 * implements. A backend supplies the seam and the few hooks below (how a task starts, reweights,
 * migrates, works, sleeps and is waited for).
 */
public abstract class KernelBase implements Kernel, SchedSeam {
    protected final KernelConfig config;
    private final TickGrid ticks;
    protected final Lockdep lockdep;
    protected final Tracer tracer;
    /** Every task ever created, in creation order. */
    protected final List<TaskStruct> tasks;
    private final SeededRandoms randoms;
    private final CpuMask online;
    private final int nodes;
    private final AtomicLong nextTaskId = new AtomicLong(1);
    private final List<LockStatsRecorder> lockStats = new ArrayList<>();

    protected KernelBase(KernelConfig config, List<TaskStruct> taskList) {
        this.config = config;
        this.randoms = new SeededRandoms(config.seed());
        this.ticks = config.tickGrid();
        this.online = config.machine().topology().allCpus();
        this.nodes = config.machine().topology().nodes();
        this.tasks = taskList;
        this.lockdep = new Lockdep(this::currentOrNull);
        this.tracer = new Tracer(this);
    }

    // ---- the backend's hooks --------------------------------------------------------------------

    /** Gives a new task its backend state and thread; it does not run yet. */
    protected abstract void initTask(TaskStruct t);

    /** wake_up_new_task: the task becomes runnable for the first time. */
    protected abstract void wakeUpNewTask(TaskStruct t);

    /** Refuses task creation when the kernel cannot take it now; nothing by default. */
    protected void checkSetup(String what) {
    }

    /** Charges kthread creation to the creating task, where the backend models the cost. */
    protected void payKthreadCreate() {
    }

    /** set_user_nice once the value is checked: the new nice takes effect at once. */
    protected abstract void renice(TaskStruct t, int nice);

    /** Applies the checked affinity already stored in {@code t.affinity} (migrating if needed). */
    protected abstract void affinityChanged(TaskStruct t);

    /** A fatal signal was just flagged on {@code t}: end a killable wait it may be in. */
    protected abstract void fatalSignalSent(TaskStruct t);

    /** Waits for {@code t}, which has been woken and is not dead, to exit. */
    protected abstract void waitForExit(TaskStruct me, TaskStruct t);

    /** Does checked, non-empty work. */
    protected abstract void doWork(TaskStruct t, long cpuNs, int node, long bytes);

    /** The list lockdep's held-lock stack of a new task is kept in. */
    protected abstract List<HeldLock> newHeldList();

    // ---- identity -------------------------------------------------------------------------------

    @Override
    public MachineSpec machine() {
        return config.machine();
    }

    @Override
    public long seed() {
        return config.seed();
    }

    @Override
    public TickGrid ticks() {
        return ticks;
    }

    @Override
    public KernelVersion kernelVersion() {
        return config.kernelVersion();
    }

    @Override
    public RandomGenerator random(String component) {
        return randoms.forComponent(component);
    }

    @Override
    public Task current() {
        return self("current");
    }

    @Override
    public boolean inTask() {
        return currentOrNull() != null;
    }

    @Override
    public int numOnlineCpus() {
        return online.weight();
    }

    @Override
    public CpuMask onlineMask() {
        return online;
    }

    @Override
    public List<Task> tasks() {
        return List.copyOf(tasks);
    }

    /** The checked CPU id of {@code cpu_curr(cpu)}-style queries; EINVAL outside the machine. */
    protected int checkCpu(int cpu, String check) {
        if (cpu < 0 || cpu >= topology().nrCpus()) {
            throw new KernelException(Errno.EINVAL, check, "no CPU " + cpu + " on a machine of "
                    + topology().nrCpus());
        }
        return cpu;
    }

    // ---- tasks ----------------------------------------------------------------------------------

    /**
     * sched_setaffinity's checks for {@code name}'s mask: null means every online CPU; a mask naming
     * CPUs beyond the machine, or with no online CPU, is EINVAL.
     */
    protected CpuMask checkMask(CpuMask mask, String name) {
        if (mask == null) {
            return online;
        }
        int nrCpus = topology().nrCpus();
        KernelException.require(mask.lastCpu() < nrCpus, Errno.EINVAL, "sched_setaffinity:range",
                "affinity " + mask + " of '" + name + "' names CPUs beyond " + (nrCpus - 1));
        KernelException.require(mask.intersects(online), Errno.EINVAL, "sched_setaffinity:online",
                "affinity " + mask + " of '" + name + "' has no online CPU");
        return mask;
    }

    /** The task struct of {@code task}; ESRCH when it is not one of this kernel's. */
    protected TaskStruct own(Task task) {
        if (!(task instanceof TaskStruct t) || t.seam != this) {
            throw new KernelException(Errno.ESRCH, "task", "task " + task + " does not belong to this kernel");
        }
        return t;
    }

    private TaskStruct newTask(TaskSpec spec, TaskBody body) {
        CpuMask mask = checkMask(spec.affinity(), spec.name());
        TaskStruct t = new TaskStruct(this, nextTaskId.getAndIncrement(), spec, mask, body, newHeldList());
        initTask(t);
        tasks.add(t);
        return t;
    }

    @Override
    public Task spawn(TaskSpec spec, TaskBody body, Consumer<Task> setup) {
        checkSetup("spawn");
        TaskStruct t = newTask(spec, body);
        setup.accept(t);
        wakeUpNewTask(t);
        return t;
    }

    @Override
    public Task kthreadCreate(String name, TaskBody body) {
        checkSetup("kthread_create");
        payKthreadCreate();
        return newTask(TaskSpec.kthread(name), body);
    }

    @Override
    public boolean wakeUpProcess(Task task) {
        checkSetup("wake_up_process");
        TaskStruct t = own(task);
        if (t.woken) {
            return false;
        }
        wakeUpNewTask(t);
        return true;
    }

    @Override
    public void setUserNice(Task task, int nice) {
        Nice.check(nice);
        renice(own(task), nice);
    }

    @Override
    public void setAffinity(Task task, CpuMask mask) {
        TaskStruct t = own(task);
        KernelException.require(!t.noSetAffinity, Errno.EINVAL, "sched_setaffinity:no_setaffinity",
                "'" + t.name + "' is a bound kthread (PF_NO_SETAFFINITY)");
        KernelException.require(mask != null, Errno.EINVAL, "sched_setaffinity:null", "null affinity mask");
        t.affinity = checkMask(mask, t.name);
        affinityChanged(t);
    }

    @Override
    public void kthreadBindMask(Task task, CpuMask mask) {
        TaskStruct t = own(task);
        KernelException.require(t.state == TaskState.NEW, Errno.EINVAL, "kthread_bind_mask:state",
                "'" + t.name + "' has already run");
        KernelException.require(mask != null, Errno.EINVAL, "kthread_bind_mask:null", "null mask");
        t.affinity = checkMask(mask, t.name);
        t.noSetAffinity = true;
    }

    @Override
    public void sendFatalSignal(Task task) {
        TaskStruct t = own(task);
        t.fatalSignal = true;
        fatalSignalSent(t);
    }

    @Override
    public boolean fatalSignalPending() {
        return self("fatal_signal_pending").fatalSignal;
    }

    @Override
    public void join(Task task) {
        TaskStruct me = self("join");
        TaskStruct t = own(task);
        KernelException.require(t != me, Errno.EDEADLK, "join:self", "a task cannot wait for itself");
        if (t.state == TaskState.DEAD) {
            return;
        }
        KernelException.require(t.woken, Errno.EINVAL, "join:never_woken",
                "'" + t.name + "' was created but never woken");
        waitForExit(me, t);
    }

    @Override
    public void work(long cpuNs, int node, long bytes) {
        TaskStruct t = self("work");
        checkWork(cpuNs, node, bytes);
        if (cpuNs == 0 && bytes == 0) {
            return;
        }
        doWork(t, cpuNs, node, bytes);
    }

    /** EINVAL for a negative amount or a node the machine lacks. */
    private void checkWork(long cpuNs, int node, long bytes) {
        checkWorkAmount(cpuNs, bytes);
        if (node < 0 || node >= nodes) {
            throw new KernelException(Errno.EINVAL, "work:node", "no node " + node);
        }
    }

    /**
     * EINVAL ({@code work:negative}) for a negative amount of work: what {@link #work} raises, and what
     * a backend raises for a follow-on amount it read without the task.
     */
    public static void checkWorkAmount(long cpuNs, long bytes) {
        // checked before any message is built: work() is the engine's hottest call
        if (cpuNs < 0 || bytes < 0) {
            throw new KernelException(Errno.EINVAL, "work:negative", "work of " + cpuNs + " ns and " + bytes + " bytes");
        }
    }

    @Override
    public void work(long cpuNs, int node, long bytes, java.util.function.LongSupplier then) {
        TaskStruct t = self("work");
        checkWork(cpuNs, node, bytes);
        if (cpuNs == 0 && bytes == 0) {
            work(then.getAsLong());
            return;
        }
        doWork(t, cpuNs, node, bytes, then);
    }

    /**
     * {@link #doWork(TaskStruct, long, int, long)} followed by the CPU work {@code then} gives when it
     * ends; a backend that can settle the second item without resuming the task overrides this.
     */
    protected void doWork(TaskStruct t, long cpuNs, int node, long bytes, java.util.function.LongSupplier then) {
        doWork(t, cpuNs, node, bytes);
        work(then.getAsLong());
    }

    /**
     * The current task enters the kernel (a syscall or ioctl): its CPU time from here is system
     * time. Time so far is accounted first, so the user/system split is exact. Entries nest.
     */
    @Override
    public void enterKernel() {
        TaskStruct t = self("enter_kernel");
        if (t.kernelDepth++ == 0) {
            t.kernelEnteredAtNs = sumExecRuntime(t);
        }
    }

    /** Returns to user mode from the matching {@link #enterKernel}; EINVAL when not in the kernel. */
    @Override
    public void exitKernel() {
        TaskStruct t = self("exit_kernel");
        KernelException.require(t.kernelDepth > 0, Errno.EINVAL, "exit_kernel:not_entered",
                "'" + t.name + "' is not in the kernel");
        long now = sumExecRuntime(t);
        if (--t.kernelDepth == 0) {
            t.systemNs += now - t.kernelEnteredAtNs;
        }
    }

    /** The deadlock report: every live task, what it waits on and who holds that. */
    protected DeadlockException deadlock() {
        return DeadlockReport.of(tasks);
    }

    // ---- the seam's shared part -----------------------------------------------------------------

    private final java.util.concurrent.ConcurrentHashMap<Class<?>, Object> subsystems =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public <T> T subsystemState(Class<T> key, java.util.function.Function<Kernel, T> init) {
        return key.cast(subsystems.computeIfAbsent(key, k -> init.apply(this)));
    }

    @Override
    public TaskStruct self(String what) {
        TaskStruct t = currentOrNull();
        if (t == null) {
            throw new IllegalStateException(what + " called outside an emulated task");
        }
        return t;
    }

    @Override
    public Lockdep lockdep() {
        return lockdep;
    }

    @Override
    public Tracer tracer() {
        return tracer;
    }

    @Override
    public LockStatsRecorder newStats(String name, String kind) {
        LockStatsRecorder r = new LockStatsRecorder(name, kind);
        synchronized (lockStats) {
            lockStats.add(r);
        }
        return r;
    }

    /** Every lock's statistics, in creation order. */
    protected List<LockStats> lockStats() {
        List<LockStats> ls = new ArrayList<>();
        synchronized (lockStats) {
            for (LockStatsRecorder r : lockStats) {
                ls.add(r.snapshot());
            }
        }
        return ls;
    }

    // ---- the primitives, one implementation each ------------------------------------------------

    @Override
    public Mutex mutex(String name) {
        return new StructMutex(this, name, null);
    }

    @Override
    public Mutex mutex(String name, String lockClass) {
        return new StructMutex(this, name, requireClass(lockClass));
    }

    /** A named lock class; EINVAL for a null or empty one. */
    private static String requireClass(String lockClass) {
        KernelException.require(lockClass != null && !lockClass.isEmpty(), Errno.EINVAL, "lock:class",
                "a lock class needs a name");
        return lockClass;
    }

    @Override
    public RwSemaphore rwsem(String name) {
        return new StructRwSemaphore(this, name, null);
    }

    @Override
    public RwSemaphore rwsem(String name, String lockClass) {
        return new StructRwSemaphore(this, name, requireClass(lockClass));
    }

    @Override
    public SpinLock spinlock(String name) {
        return new QueuedSpinLock(this, name, null);
    }

    @Override
    public SpinLock spinlock(String name, String lockClass) {
        return new QueuedSpinLock(this, name, requireClass(lockClass));
    }

    @Override
    public Completion completion(String name) {
        return new StructCompletion(this, name);
    }

    @Override
    public WaitQueue waitQueue(String name) {
        return new WaitQueueHead(this, name);
    }

    @Override
    public AtomicCounter atomic(String name, long initial) {
        return new Atomic64(this, name, initial);
    }

    @Override
    public KernelTimer timer(String name, Runnable callback) {
        return new HrTimer(this, name, callback);
    }
}
