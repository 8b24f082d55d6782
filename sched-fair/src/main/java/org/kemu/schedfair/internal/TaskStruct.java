package org.kemu.schedfair.internal;

import java.util.List;
import java.util.function.Supplier;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.SchedPolicy;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.TaskState;

/**
 * The one {@code task_struct} of both backends. What only a backend knows of a task (the simulated
 * backend's sched entity and work item, the hosted backend's wake-up permit) hangs off
 * {@link #sched}, as the kernel's {@code task_struct} embeds its {@code sched_entity}.
 *
 * <p>Fields another thread reads while the task runs (state, signal, the wait description) are
 * volatile for the hosted backend's watchdog; the rest are written by the task itself or by the
 * simulated backend's single baton holder.
 */
public final class TaskStruct implements Task, LockdepTask {
    public final long id;
    public final String name;
    public final boolean kthread;
    public final long tgid;
    public final TaskBody body;
    /** The kernel this task belongs to. */
    public final SchedSeam seam;
    /** The backend's own per-task state. */
    public Object sched;
    public Thread thread;

    public volatile int nice;
    public volatile SchedPolicy policy;
    public volatile CpuMask affinity;
    /** PF_NO_SETAFFINITY, set by kthread_bind_mask. */
    public volatile boolean noSetAffinity;
    public volatile TaskState state = TaskState.NEW;
    /** The CPU it runs or last ran on; -1 before it first ran, and always on the hosted backend. */
    public int cpu = -1;
    public volatile boolean woken;
    public volatile boolean fatalSignal;
    /** Spinlocks held: sleeping with one is a bug. */
    public int preemptCount;

    public long workRequestedNs;
    /**
     * Depth of kernel entries ({@link org.kemu.schedfair.Kernel#enterKernel}) of a user task: above 0
     * its CPU time is system time, as a syscall's is in the kernel (account_system_time).
     */
    public int kernelDepth;
    /** sum_exec_runtime when the task last entered the kernel (depth 0 to 1). */
    public long kernelEnteredAtNs;
    /** System time of a user task from completed kernel entries, ns (what the hosted backend reports). */
    public long systemNs;
    public long bytesMoved;

    // what the task waits for, for deadlock reports
    public volatile String waitsOn;
    public volatile Supplier<List<String>> waitHolders;
    public volatile SeamGuard waitGuard;
    public long blockedAt;

    private final List<HeldLock> held;
    /**
     * The attachments as key, value, key, value...: a task has a handful at most (its mm, its memory
     * policy, a fail-nth state), set at fork or rarely after and read on hot paths (every TLB
     * shootdown asks each busy CPU's task for its mm), so reads scan a small immutable array
     * published by a volatile write instead of probing a concurrent map with its hashing.
     */
    private volatile Object[] attachments = NO_ATTACHMENTS;
    private static final Object[] NO_ATTACHMENTS = {};

    public TaskStruct(SchedSeam seam, long id, TaskSpec spec, CpuMask affinity, TaskBody body, List<HeldLock> held) {
        this.seam = seam;
        this.id = id;
        this.name = spec.name();
        this.kthread = spec.kthread();
        this.tgid = spec.tgid();
        this.nice = spec.nice();
        this.policy = spec.policy();
        this.affinity = affinity;
        this.body = body;
        this.held = held;
    }

    /** do_exit's lock check: "task exited holding [...]", or null when it holds nothing. */
    public IllegalStateException exitedHolding() {
        if (held.isEmpty()) {
            return null;
        }
        return new IllegalStateException("task exited holding "
                + held.stream().map(HeldLock::lockName).toList());
    }

    /** schedule()'s "scheduling while atomic" check: a task holding a spinlock must not sleep. */
    public void mightSleep(String on) {
        if (preemptCount > 0) {
            throw new IllegalStateException("BUG: scheduling while atomic: task '" + name
                    + "' would sleep on " + on + " while holding a spinlock");
        }
    }

    /** Records what the task now waits for (its state is the caller's business). */
    public void waitsFor(String on, Supplier<List<String>> holders, SeamGuard guard) {
        waitGuard = guard;
        waitHolders = holders;
        waitsOn = on;
    }

    public void waitEnded() {
        waitsOn = null;
        waitHolders = null;
        waitGuard = null;
    }

    /** Who holds what it waits for, read under the primitive's guard. */
    public List<String> waitHoldersNow() {
        Supplier<List<String>> h = waitHolders;
        if (h == null) {
            return List.of();
        }
        SeamGuard g = waitGuard;
        if (g == null) {
            return h.get();
        }
        g.lock();
        try {
            return h.get();
        } finally {
            g.unlock();
        }
    }

    @Override
    public boolean fatalSignalPending() {
        return fatalSignal;
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
        return seam.weightOf(this);
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

    @Override
    public long sumExecRuntime() {
        return seam.sumExecRuntime(this);
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
        Object[] a = attachments;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == key) {
                return key.cast(a[i + 1]);
            }
        }
        return null;
    }

    @Override
    public synchronized <T> void attach(Class<T> key, T value) {
        java.util.Objects.requireNonNull(key, "key");
        Object[] a = attachments;
        int at = -1;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == key) {
                at = i;
            }
        }
        Object[] b;
        if (value == null) {
            if (at < 0) {
                return;
            }
            b = new Object[a.length - 2];
            System.arraycopy(a, 0, b, 0, at);
            System.arraycopy(a, at + 2, b, at, a.length - at - 2);
        } else if (at >= 0) {
            b = a.clone();
            b[at + 1] = value;
        } else {
            b = java.util.Arrays.copyOf(a, a.length + 2);
            b[a.length] = key;
            b[a.length + 1] = value;
        }
        attachments = b;
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
