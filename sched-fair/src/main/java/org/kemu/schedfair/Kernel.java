package org.kemu.schedfair;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The runtime that emulated kernel code is written against, as kernel code is written against the
 * kernel: the current task, kernel threads, nice and affinity, locks, completions, wait queues,
 * timers, atomic counters, and {@link #work(long, int, long) work}, the only thing that makes virtual
 * time pass. Two backends implement it ({@link Backend}); kernel code does not know which it runs on.
 *
 * <p>A kernel is set up from outside a task (create locks, spawn the first tasks), then {@link #run()}
 * runs it until every task has exited. Most calls (work, sleep, locking) are only legal from inside a
 * task; they throw {@link IllegalStateException} elsewhere.
 */
public interface Kernel {

    Backend backend();

    MachineSpec machine();

    default Topology topology() {
        return machine().topology();
    }

    /** The run's seed; every source of randomness derives from it. */
    long seed();

    /** The run's tick grid: HZ and how far into a jiffy the run started (KernelConfig.tickOffsetNs). */
    TickGrid ticks();

    /** The release whose version-dependent behaviour this kernel follows (modules above read its accessors). */
    KernelVersion kernelVersion();

    /** A random generator for {@code component}, derived from the seed and the component's name only. */
    RandomGenerator random(String component);

    /** Current time in ns: virtual when simulated, elapsed real time when hosted. */
    long now();

    // ---- tasks ------------------------------------------------------------------------------

    /** The task executing this code ({@code current}); throws outside a task. */
    Task current();

    /** True when called from inside an emulated task. */
    boolean inTask();

    /**
     * {@code numa_node_id()}: the node of the current task's CPU (CPU 0's for a hosted task that has
     * not run yet, whose CPU is still -1).
     */
    default int numaNodeId() {
        return topology().nodeOf(Math.max(0, current().cpu()));
    }

    /** Creates a task and makes it runnable at once (fork + wake_up_new_task). */
    default Task spawn(TaskSpec spec, TaskBody body) {
        return spawn(spec, body, t -> { });
    }

    /**
     * Creates a task, lets {@code setup} attach state to it before it can run (as clone() gives a
     * new thread its process's mm), then makes it runnable. On the hosted backend a task may start
     * the moment it is runnable, so state it needs must be attached here, not after spawn returns.
     */
    Task spawn(TaskSpec spec, TaskBody body, java.util.function.Consumer<Task> setup);

    /** {@code kthread_create}: a kernel thread that does not run until {@link #wakeUpProcess}. */
    Task kthreadCreate(String name, TaskBody body);

    /** Wakes a task created by {@link #kthreadCreate}; returns false if it had already been woken. */
    boolean wakeUpProcess(Task task);

    /** {@code set_user_nice}: EINVAL outside -20..19; takes effect at once (reweighting). */
    void setUserNice(Task task, int nice);

    /**
     * {@code sched_setaffinity}: EINVAL when the mask has no online CPU of this machine; the task
     * migrates if its CPU is no longer allowed. EINVAL also for a kthread bound with
     * {@link #kthreadBindMask} (PF_NO_SETAFFINITY).
     */
    void setAffinity(Task task, CpuMask mask);

    /** {@code kthread_bind_mask}: only for a kthread that has not yet run; forbids later changes. */
    void kthreadBindMask(Task task, CpuMask mask);

    /** Sets a task's fatal-signal-pending flag (SIGKILL): killable waits then fail with EINTR. */
    void sendFatalSignal(Task task);

    /** {@code fatal_signal_pending(current)}. */
    boolean fatalSignalPending();

    /** Waits until {@code task} has exited (like kthread_stop's wait, without asking it to stop). */
    void join(Task task);

    /** {@code num_online_cpus()}. */
    int numOnlineCpus();

    CpuMask onlineMask();

    /** Every task ever created in this kernel, in creation order. */
    List<Task> tasks();

    /**
     * {@code cpu_curr(cpu)}: the task CPU {@code cpu} runs now, or null when it runs none (idle). On
     * the hosted backend tasks run on the host's CPUs, not on emulated ones ({@link Task#cpu()} is
     * -1 there), so every emulated CPU reads as idle. EINVAL for a CPU the machine does not have.
     */
    Task cpuCurr(int cpu);

    /**
     * The first CPU at or above {@code from} that runs a task, or -1: with {@link #cpuCurr} it visits
     * only busy CPUs, as the kernel's {@code for_each_cpu(cpu, mm_cpumask(mm))} visits only the CPUs
     * that switched to an mm, so a caller does not pay for every idle CPU of a large machine.
     */
    int nextBusyCpu(int from);

    /**
     * A number that changes whenever some CPU's {@link #cpuCurr} changes: a caller that derived
     * something from the tasks CPUs run (the CPUs running an mm, say) can tell it still holds without
     * looking at every CPU again. -1 on a backend that cannot tell; the caller must look again then.
     */
    default long cpuCurrGeneration() {
        return -1;
    }

    // ---- time -------------------------------------------------------------------------------

    /** The current task does {@code cpuNs} of CPU work. */
    default void work(long cpuNs) {
        work(cpuNs, 0, 0);
    }

    /**
     * The current task does {@code cpuNs} of CPU work while moving {@code bytes} through node
     * {@code node}'s memory; it takes the larger of its CPU time and its memory time at the bandwidth
     * it gets while other tasks stream through the same node.
     */
    void work(long cpuNs, int node, long bytes);

    /**
     * {@link #work(long, int, long) work(cpuNs, node, bytes)}, then, at the moment it ends, {@code
     * work(then.getAsLong())}: the second amount is read when the first work item ends, exactly as if
     * the task had computed it in its own code then. {@code then} may only read state (no locks,
     * wake-ups or kernel calls): the simulated backend evaluates it without resuming the task, so a
     * work item whose cost depends on what happened meanwhile (interrupt time other CPUs left pending,
     * say) costs no hand-off to the task and back. A negative amount is EINVAL, raised in the task.
     */
    default void work(long cpuNs, int node, long bytes, LongSupplier then) {
        work(cpuNs, node, bytes);
        work(then.getAsLong());
    }

    /** Sleeps for {@code ns} (the task leaves its CPU). */
    void sleep(long ns);

    /** {@code cond_resched()}: lets a waiting task of the same CPU run if the current one has used its slice. */
    void condResched();

    /**
     * The current task enters the kernel (the start of an emulated syscall or ioctl): until the
     * matching {@link #exitKernel()} its CPU time is system time, not user time, in its cgroup's
     * cpu.stat (account_system_time vs account_user_time). Kernel threads are always in the kernel.
     * Entries nest.
     */
    void enterKernel();

    /** Ends the innermost {@link #enterKernel()}; EINVAL (exit_kernel:not_entered) without one. */
    void exitKernel();

    /** Runs {@code call} as an emulated syscall of the current task: its time is system time. */
    default <T> T syscall(java.util.function.Supplier<T> call) {
        enterKernel();
        try {
            return call.get();
        } finally {
            exitKernel();
        }
    }

    // ---- synchronisation --------------------------------------------------------------------

    /** A mutex with a lockdep class of its own, named {@code name} (as {@code DEFINE_MUTEX}). */
    Mutex mutex(String name);

    /**
     * A mutex of lockdep class {@code lockClass}: every lock initialised at one site of the kernel
     * ({@code mutex_init}'s static {@code struct lock_class_key}) shares one class, whatever its name,
     * so lock order is learned once for all of them, and taking two of them nested is recursive
     * locking unless annotated ({@link Mutex#lockNested}).
     */
    Mutex mutex(String name, String lockClass);

    RwSemaphore rwsem(String name);

    /** An rwsem of lockdep class {@code lockClass} (see {@link #mutex(String, String)}; {@code init_rwsem}). */
    RwSemaphore rwsem(String name, String lockClass);

    SpinLock spinlock(String name);

    /** A spinlock of lockdep class {@code lockClass} (see {@link #mutex(String, String)}; {@code spin_lock_init}). */
    SpinLock spinlock(String name, String lockClass);

    Completion completion(String name);

    WaitQueue waitQueue(String name);

    AtomicCounter atomic(String name, long initial);

    KernelTimer timer(String name, Runnable callback);

    LockValidator lockdep();

    /** The cgroup v2 cpu controller. */
    CpuController cpuController();

    /** The trace stream (off until a sink is set). */
    Tracer tracer();

    // ---- running ----------------------------------------------------------------------------

    /**
     * Runs until every task has exited. Throws {@link DeadlockException} when tasks remain but none
     * can run, and rethrows (wrapped in {@link TaskFailedException}) the first exception a task body
     * threw. A kernel can be run again after more tasks are spawned.
     */
    RunStats run();

    /**
     * True once the current run has been stopped by a failure (a task's exception, a deadlock, a time
     * limit). Whatever a task throws after that is an echo of that failure (an interrupted sleep, an
     * unwinding), not a failure of its own: code that records a task's error uses this to keep the
     * run's first failure the reported one.
     */
    boolean runAborted();

    /**
     * This kernel's instance of a subsystem's global state (what the real kernel keeps in statics,
     * set up once at boot: padata's work pool, a hash of fault mutexes), created by {@code init} on
     * first use. It lives exactly as long as the kernel, so nothing outside needs a map keyed by
     * kernels (which would keep every kernel reachable). Safe to call from any task or thread.
     */
    <T> T subsystemState(Class<T> key, java.util.function.Function<Kernel, T> init);
}
