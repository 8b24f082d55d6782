package org.kemu.pluginapi;

import java.util.random.RandomGenerator;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.Topology;

/**
 * The current kernel's task and time services as a plugin's job uses them: what kernel code calls
 * from a task (work, locks, kthreads, {@code cond_resched}), and nothing that drives the machine
 * (spawning top-level tasks, running the engine, tracing), which is the host's business.
 */
@Stable
public interface KernelTasks {

    /** The topology the job runs on (nodes, CPUs per node). */
    Topology topology();

    /** {@code cpu_online_mask}. */
    CpuMask onlineMask();

    /** {@code current}. */
    Task current();

    /** Current time in ns (virtual when simulated). */
    long now();

    /** The current task does {@code cpuNs} of CPU work. */
    void work(long cpuNs);

    /** The current task does {@code cpuNs} of CPU work while moving {@code bytes} through node {@code node}'s memory. */
    void work(long cpuNs, int node, long bytes);

    /** {@code cond_resched()}. */
    void condResched();

    /** {@code kthread_create()}: a stopped kthread; start it with {@link #wakeUpProcess}. */
    Task kthreadCreate(String name, TaskBody body);

    /** {@code kthread_bind_mask()} of a kthread that has not run yet. */
    void kthreadBindMask(Task task, CpuMask mask);

    /** {@code wake_up_process()}. */
    boolean wakeUpProcess(Task task);

    /** Waits until {@code task} has exited ({@code kthread_stop}-style completion). */
    void join(Task task);

    Mutex mutex(String name);

    SpinLock spinlock(String name);

    AtomicCounter atomic(String name, long initial);

    /**
     * The fail-nth injection point {@code site} on the current task ({@code should_fail()}): true
     * when the test armed this point to fail; the caller then fails the way the kernel would.
     */
    boolean shouldFail(String site);

    /** A random generator derived from the run's seed and {@code component}. */
    RandomGenerator random(String component);
}
