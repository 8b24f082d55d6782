package org.kemu.integrationtests.adversarial;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Backend;
import org.kemu.schedfair.Completion;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelTimer;
import org.kemu.schedfair.LockValidator;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Tracer;
import org.kemu.schedfair.WaitQueue;

/**
 * A kernel that arms {@link FailNth} on a task the emulated code creates itself: the
 * {@code target}-th task spawned or kthread-created after {@link #armNextTasks} (a padata helper,
 * a kworker, a user-space MAP_DMA thread) gets fail-nth {@code n} before it can run, as writing
 * {@code /proc/<tid>/fail-nth} of that thread would. Everything else is the wrapped kernel's own;
 * services built over this kernel create their tasks through it.
 */
final class HelperArmingKernel implements Kernel {
    private final Kernel k;
    private int target = -1;
    private int n;
    private int created;
    private Task armed;
    private final List<Task> createdTasks = Collections.synchronizedList(new ArrayList<>());

    HelperArmingKernel(Kernel k) {
        this.k = k;
    }

    /** From now, the {@code target}-th task created (0-based) is armed with fail-nth {@code n}. */
    synchronized void armNextTasks(int target, int n) {
        this.target = target;
        this.n = n;
        this.created = 0;
        this.armed = null;
        createdTasks.clear();
    }

    /** The armed task, or null when fewer tasks were created. */
    synchronized Task armed() {
        return armed;
    }

    /** Tasks created since {@link #armNextTasks}. */
    List<Task> created() {
        return List.copyOf(createdTasks);
    }

    private synchronized void maybeArm(Task t) {
        createdTasks.add(t);
        if (created++ == target) {
            FailNth.arm(t, n);
            armed = t;
        }
    }

    @Override
    public Task spawn(TaskSpec spec, TaskBody body, Consumer<Task> setup) {
        return k.spawn(spec, body, t -> {
            setup.accept(t);
            maybeArm(t);
        });
    }

    @Override
    public Task kthreadCreate(String name, TaskBody body) {
        Task t = k.kthreadCreate(name, body);
        maybeArm(t); // before wake_up_process: it has not run yet
        return t;
    }

    // ---- the wrapped kernel's own ------------------------------------------------------------------

    @Override
    public Backend backend() {
        return k.backend();
    }

    @Override
    public MachineSpec machine() {
        return k.machine();
    }

    @Override
    public long seed() {
        return k.seed();
    }

    @Override
    public org.kemu.schedfair.TickGrid ticks() {
        return k.ticks();
    }

    @Override
    public RandomGenerator random(String component) {
        return k.random(component);
    }

    @Override
    public long now() {
        return k.now();
    }

    @Override
    public Task current() {
        return k.current();
    }

    @Override
    public boolean inTask() {
        return k.inTask();
    }

    @Override
    public boolean wakeUpProcess(Task task) {
        return k.wakeUpProcess(task);
    }

    @Override
    public void setUserNice(Task task, int nice) {
        k.setUserNice(task, nice);
    }

    @Override
    public void setAffinity(Task task, CpuMask mask) {
        k.setAffinity(task, mask);
    }

    @Override
    public void kthreadBindMask(Task task, CpuMask mask) {
        k.kthreadBindMask(task, mask);
    }

    @Override
    public void sendFatalSignal(Task task) {
        k.sendFatalSignal(task);
    }

    @Override
    public org.kemu.schedfair.KernelVersion kernelVersion() {
        return k.kernelVersion();
    }

    @Override
    public void enterKernel() {
        k.enterKernel();
    }

    @Override
    public void exitKernel() {
        k.exitKernel();
    }

    @Override
    public boolean runAborted() {
        return k.runAborted();
    }

    @Override
    public boolean fatalSignalPending() {
        return k.fatalSignalPending();
    }

    @Override
    public void join(Task task) {
        k.join(task);
    }

    @Override
    public int numOnlineCpus() {
        return k.numOnlineCpus();
    }

    @Override
    public CpuMask onlineMask() {
        return k.onlineMask();
    }

    @Override
    public List<Task> tasks() {
        return k.tasks();
    }

    @Override
    public Task cpuCurr(int cpu) {
        return k.cpuCurr(cpu);
    }

    @Override
    public int nextBusyCpu(int from) {
        return k.nextBusyCpu(from);
    }

    @Override
    public void work(long cpuNs, int node, long bytes) {
        k.work(cpuNs, node, bytes);
    }

    @Override
    public void sleep(long ns) {
        k.sleep(ns);
    }

    @Override
    public void condResched() {
        k.condResched();
    }

    @Override
    public Mutex mutex(String name) {
        return k.mutex(name);
    }

    @Override
    public Mutex mutex(String name, String lockClass) {
        return k.mutex(name, lockClass);
    }

    @Override
    public RwSemaphore rwsem(String name, String lockClass) {
        return k.rwsem(name, lockClass);
    }

    @Override
    public SpinLock spinlock(String name, String lockClass) {
        return k.spinlock(name, lockClass);
    }

    @Override
    public RwSemaphore rwsem(String name) {
        return k.rwsem(name);
    }

    @Override
    public SpinLock spinlock(String name) {
        return k.spinlock(name);
    }

    @Override
    public Completion completion(String name) {
        return k.completion(name);
    }

    @Override
    public WaitQueue waitQueue(String name) {
        return k.waitQueue(name);
    }

    @Override
    public AtomicCounter atomic(String name, long initial) {
        return k.atomic(name, initial);
    }

    @Override
    public KernelTimer timer(String name, Runnable callback) {
        return k.timer(name, callback);
    }

    @Override
    public LockValidator lockdep() {
        return k.lockdep();
    }

    @Override
    public CpuController cpuController() {
        return k.cpuController();
    }

    @Override
    public Tracer tracer() {
        return k.tracer();
    }

    @Override
    public RunStats run() {
        return k.run();
    }

    @Override
    public <T> T subsystemState(Class<T> key, Function<Kernel, T> init) {
        return k.subsystemState(key, init);
    }
}
