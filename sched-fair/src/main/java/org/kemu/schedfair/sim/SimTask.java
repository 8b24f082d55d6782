package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.internal.TaskStruct;

/**
 * What the simulated backend keeps of a task beside its {@link TaskStruct}: its scheduling entity,
 * its cgroup, the work item its CPU is doing for it, and the engine's bookkeeping. All fields are
 * touched only by the baton holder, so none needs synchronisation.
 */
final class SimTask extends SchedEntity {
    /** What the task's CPU is doing for it when it is not executing code. */
    enum Work { NONE, CPU, STREAM, SPIN }

    final TaskStruct task;
    /** Copies of the task struct's identity, for the scheduler's hot paths and messages. */
    final long id;
    final boolean kthread;
    /** The task's cgroup (task group). */
    TaskGroup tg;
    /** sum_exec_runtime at the last remote begin/charge (patch 15's remote_runtime_begin). */
    long remoteRuntimeBegin;

    /** Time from which the CPU's time counts for this task (after a context switch). */
    long execAt;
    /**
     * Whether the task has been picked to run at least once. __sched_fork clears se.exec_start, so a
     * task that never ran is never cache hot (task_hot's rq_clock_task - 0 is the uptime); kemu's
     * clock starts at 0, where execAt = 0 would look like "ran just now".
     */
    boolean hasRun;
    /** The continuation carrying the task's code when the engine runs on {@link Carrier#CONTINUATIONS}. */
    Object continuation;

    // current work item
    Work work = Work.NONE;
    long remNs;
    double remFrac;
    double rate;
    int workNode;
    long workBytes;
    long workCpuNs;
    long doneAt;
    /**
     * Time up to which a streaming item's progress is settled: at its CPU's accounting and whenever
     * its node's streamer count changes (which does not account the CPU: update_curr belongs to the
     * CPU's own events, not to another task starting or stopping a stream).
     */
    long streamAt;
    /** CPU work to start, without resuming the task, when the current item ends (Kernel#work with then). */
    java.util.function.LongSupplier then;
    /** A negative amount {@link #then} gave, raised in the task when it resumes; 0 if none. */
    long thenRejected;
    boolean resumePending;
    long resumeAt;

    /** Trace bookkeeping: when the task last got a CPU, and when it last became runnable. */
    long runStart;
    long queuedAt;
    /** While in a killable wait: takes the task off the wait list when a fatal signal arrives. */
    Runnable onFatalSignal;

    /** p->recent_used_cpu: a CPU select_idle_sibling may try before scanning the LLC. */
    int recentUsedCpu = -1;

    final List<SimTask> joiners = new ArrayList<>();
    boolean started;

    SimTask(TaskStruct task, long weight) {
        super(task.id);
        this.task = task;
        this.id = task.id;
        this.kthread = task.kthread;
        this.weight = weight;
    }

    static SimTask of(TaskStruct t) {
        return (SimTask) t.sched;
    }

    @Override
    CfsRq myQ() {
        return null;
    }

    @Override
    public String toString() {
        return task.toString();
    }
}
