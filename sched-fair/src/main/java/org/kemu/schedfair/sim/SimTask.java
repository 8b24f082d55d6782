package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.SchedPolicy;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.internal.HeldLock;
import org.kemu.schedfair.internal.LockdepTask;

/**
 * A simulated task: its {@code task_struct} fields, its scheduling entity, the work item it is
 * doing, and the virtual thread that carries its code. All fields are touched only by the baton
 * holder, so none needs synchronisation.
 */
final class SimTask extends SchedEntity implements Task, LockdepTask {
    /** What the task's CPU is doing for it when it is not executing code. */
    enum Work { NONE, CPU, STREAM, SPIN }

    final long id;
    final String name;
    final boolean kthread;
    final long tgid;
    final TaskBody body;
    int nice;
    SchedPolicy policy;
    CpuMask affinity;
    /** The task's cgroup (task group). */
    TaskGroup tg;
    /** sum_exec_runtime at the last remote begin/charge (patch 15's remote_runtime_begin). */
    long remoteRuntimeBegin;
    boolean noSetAffinity;
    TaskState state = TaskState.NEW;
    int cpu = -1;
    boolean woken;

    /** Time from which the CPU's time counts for this task (after a context switch). */
    long execAt;
    int preemptCount;

    // current work item
    Work work = Work.NONE;
    long remNs;
    double remFrac;
    double rate;
    int workNode;
    long workBytes;
    long workCpuNs;
    long doneAt;
    boolean resumePending;
    long resumeAt;

    long workRequestedNs;
    long bytesMoved;
    boolean fatalSignal;

    // blocking, for deadlock reports
    String waitsOn;
    Supplier<List<String>> waitHolders;
    long blockedAt;
    /** Trace bookkeeping: when the task last got a CPU, and when it last became runnable. */
    long runStart;
    long queuedAt;
    /** While in a killable wait: takes the task off the wait list when a fatal signal arrives. */
    Runnable onFatalSignal;

    final List<HeldLock> held = new ArrayList<>();
    final List<SimTask> joiners = new ArrayList<>();
    private final Map<Class<?>, Object> attachments = new HashMap<>();

    Thread thread;
    boolean started;
    SimKernel kernel;

    SimTask(long id, String name, boolean kthread, long tgid, int nice, SchedPolicy policy, CpuMask affinity,
            TaskBody body) {
        super(id);
        this.id = id;
        this.name = name;
        this.kthread = kthread;
        this.tgid = tgid;
        this.nice = nice;
        this.policy = policy;
        this.weight = Nice.weight(policy, nice);
        this.affinity = affinity;
        this.body = body;
    }

    @Override
    CfsRq myQ() {
        return null;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isKthread() {
        return kthread;
    }

    @Override
    public long tgid() {
        return tgid;
    }

    @Override
    public int nice() {
        return nice;
    }

    @Override
    public SchedPolicy policy() {
        return policy;
    }

    @Override
    public long weight() {
        return weight;
    }

    @Override
    public CpuMask affinity() {
        return affinity;
    }

    @Override
    public TaskState state() {
        return state;
    }

    @Override
    public int cpu() {
        return cpu;
    }

    /** Up to date when read from kernel code, a timer callback, or after the run. */
    @Override
    public long sumExecRuntime() {
        if (kernel != null && state == TaskState.RUNNING && kernel.mayAccount()) {
            kernel.accountCpu(cpu);
        }
        return sumExec;
    }

    @Override
    public long workRequestedNs() {
        return workRequestedNs;
    }

    @Override
    public long bytesMoved() {
        return bytesMoved;
    }

    @Override
    public <T> T attachment(Class<T> key) {
        return key.cast(attachments.get(key));
    }

    @Override
    public <T> void attach(Class<T> key, T value) {
        if (value == null) {
            attachments.remove(key);
        } else {
            attachments.put(key, value);
        }
    }

    @Override
    public List<HeldLock> heldLocks() {
        return held;
    }

    @Override
    public String toString() {
        return name + "#" + id;
    }
}
