package org.kemu.schedfair.hosted;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.SchedPolicy;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.internal.HeldLock;
import org.kemu.schedfair.internal.LockdepTask;

/** A hosted task: a platform thread plus the task_struct fields the API exposes. */
final class HostedTask implements Task, LockdepTask {
    final long id;
    final String name;
    final boolean kthread;
    final long tgid;
    final TaskBody body;
    volatile int nice;
    volatile SchedPolicy policy;
    volatile CpuMask affinity;
    volatile boolean noSetAffinity;
    volatile TaskState state = TaskState.NEW;
    volatile boolean fatalSignal;
    volatile boolean woken;
    volatile String waitsOn;
    volatile List<String> waitHolders = List.of();
    volatile boolean sleeping;
    /** The spinlock this task spins on, and its ticket, so the watchdog can tell waiting from stuck. */
    volatile HostedSpinLock spinningOn;
    volatile long spinTicket;
    volatile long workNs;
    volatile long bytes;
    volatile long cpuNsAtExit = -1;
    final List<HeldLock> held = new CopyOnWriteArrayList<>();
    private final Map<Class<?>, Object> attachments = new ConcurrentHashMap<>();
    Thread thread;

    HostedTask(long id, String name, boolean kthread, long tgid, int nice, SchedPolicy policy, CpuMask affinity,
            TaskBody body) {
        this.id = id;
        this.name = name;
        this.kthread = kthread;
        this.tgid = tgid;
        this.nice = nice;
        this.policy = policy;
        this.affinity = affinity;
        this.body = body;
    }

    void blockedOn(String on, List<String> holders) {
        waitHolders = holders;
        waitsOn = on;
        state = TaskState.BLOCKED;
    }

    void running() {
        waitsOn = null;
        waitHolders = List.of();
        state = TaskState.RUNNING;
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
        return Nice.weight(policy, nice);
    }

    @Override
    public CpuMask affinity() {
        return affinity;
    }

    @Override
    public TaskState state() {
        return state;
    }

    /** Hosted tasks run wherever the host schedules them: the CPU is not known. */
    @Override
    public int cpu() {
        return -1;
    }

    /** Real CPU time of the thread (the host's accounting), once started. */
    @Override
    public long sumExecRuntime() {
        if (cpuNsAtExit >= 0) {
            return cpuNsAtExit;
        }
        Thread th = thread;
        if (th == null || !th.isAlive()) {
            return 0;
        }
        long v = java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(th.threadId());
        return Math.max(0, v);
    }

    @Override
    public long workRequestedNs() {
        return workNs;
    }

    @Override
    public long bytesMoved() {
        return bytes;
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
