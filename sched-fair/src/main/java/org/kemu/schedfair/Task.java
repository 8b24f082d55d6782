package org.kemu.schedfair;

/** An emulated task (a {@code task_struct}): read-only view; change it through the {@link Kernel}. */
public interface Task {
    /** Unique, increasing in creation order; the tie-breaker after CPU id. */
    long id();

    String name();

    boolean isKthread();

    /** {@code fatal_signal_pending(p)}: SIGKILL was sent to this task ({@link Kernel#sendFatalSignal}). */
    boolean fatalSignalPending();

    /** Thread group (process) id; 0 for kernel threads. */
    long tgid();

    int nice();

    SchedPolicy policy();

    /** The load weight the scheduler uses (nice table or WEIGHT_IDLEPRIO). */
    long weight();

    /** {@code p->cpus_mask}. */
    CpuMask affinity();

    /** {@code p->nr_cpus_allowed}. */
    default int nrCpusAllowed() {
        return affinity().weight();
    }

    TaskState state();

    /** The CPU the task runs or last ran on; -1 before it first ran. */
    int cpu();

    /** CPU time the task has consumed, in ns ({@code se.sum_exec_runtime}). */
    long sumExecRuntime();

    /** Total CPU ns of work the task has asked for (the hosted backend records, not burns, it). */
    long workRequestedNs();

    /** Total bytes moved through memory by the task's work. */
    long bytesMoved();

    /** A per-task slot for subsystems (the mm of a user task, padata state ...). */
    <T> T attachment(Class<T> key);

    <T> void attach(Class<T> key, T value);
}
