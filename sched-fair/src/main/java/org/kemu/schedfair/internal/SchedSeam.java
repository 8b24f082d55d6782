package org.kemu.schedfair.internal;

import java.util.List;
import java.util.function.Supplier;
import org.kemu.schedfair.TickGrid;
import org.kemu.schedfair.Tracer;
import org.kemu.schedfair.lockdep.Lockdep;

/**
 * The backend seam: all that the primitives ({@link StructMutex}, {@link StructRwSemaphore},
 * {@link QueuedSpinLock}, {@link StructCompletion}, {@link WaitQueueHead}, {@link HrTimer},
 * {@link Atomic64}) and the {@link TaskStruct} need of a backend, so that each is written once, as
 * FoundationDB's actors are written once over {@code INetwork}. The simulated backend implements it
 * with its engine and scheduler, the hosted one with platform threads and real locks.
 *
 * <p>The wait protocol: a primitive takes its {@linkplain #newGuard guard}, queues the current task
 * and calls {@link #block} (or {@link #spin}) with the guard held; a waker, holding the same guard,
 * takes the task off the queue, makes it the owner if that is the hand-off, and calls {@link #wake}
 * (or {@link #endSpin}). Blocking releases the guard while the task waits and takes it again before
 * returning, so what the waker decided is what the woken task sees.
 */
public interface SchedSeam {

    /** The current task ({@code current}); throws outside a task and unwinds an aborted run. */
    TaskStruct self(String what);

    /** The current task, for {@code fn} called on the object named {@code object} (named only on failure). */
    default TaskStruct self(String fn, String object) {
        TaskStruct t = currentOrNull();
        return t != null ? t : self(fn + "('" + object + "')");
    }

    /** The current task, or null outside a task. */
    TaskStruct currentOrNull();

    /** The backend's clock in ns. */
    long now();

    /** The run's tick grid (HZ and where in a jiffy the run started): jiffies and timeouts in ticks. */
    TickGrid ticks();

    Lockdep lockdep();

    Tracer tracer();

    /** Lock statistics for a new lock, reported in the run's stats. */
    LockStatsRecorder newStats(String name, String kind);

    /** A guard for one primitive's state. */
    SeamGuard newGuard();

    /** Lock acquisition cost, with a cache-line transfer when the lock was last taken on another CPU. */
    void chargeLockAcquire(TaskStruct t, int lastCpu);

    /** Cache-line transfer cost of a read-modify-write when the line was last written on another CPU. */
    void chargeLineTransfer(TaskStruct t, int lastCpu);

    /**
     * Sleeps until {@link #wake}; called and returns with {@code g} held. {@code on} and
     * {@code holders} (evaluated under {@code g}) describe the wait for deadlock reports. With
     * {@code onFatalSignal} non-null the wait is killable: a fatal signal ends it, and
     * {@code onFatalSignal} takes the task off the primitive's queue under {@code g}.
     */
    void block(TaskStruct t, SeamGuard g, String on, Supplier<List<String>> holders, Runnable onFatalSignal);

    /** try_to_wake_up of a task blocked in {@link #block}; called with the primitive's guard held. */
    void wake(TaskStruct t);

    /** Keeps the CPU, burning time, until {@link #endSpin}; called and returns with {@code g} held. */
    void spin(TaskStruct t, SeamGuard g, String on, Supplier<List<String>> holders);

    /** Ends a spin begun in {@link #spin}: the spinner continues its code. */
    void endSpin(TaskStruct t);

    /** Arms {@code timer} to fire at {@code at} (re-arming replaces the pending expiry). */
    void armTimer(HrTimer timer, long at);

    /** Disarms {@code timer}; true when it was armed. */
    boolean cancelTimer(HrTimer timer);

    /**
     * Whether lock waiters may spin optimistically on the owner (rwsem_optimistic_spin) and take
     * the lock word as 5.14 does (reader lock stealing, RWSEM_FLAG_HANDOFF after
     * RWSEM_WAIT_TIMEOUT). A cost model of the simulated backend: the hosted one really blocks.
     */
    default boolean optimisticSpinning() {
        return false;
    }

    /** owner_on_cpu: {@code t} is executing on its CPU now (not queued, not sleeping). */
    default boolean onCpu(TaskStruct t) {
        return false;
    }

    /** The weight the scheduler gives {@code t}. */
    long weightOf(TaskStruct t);

    /** {@code t}'s {@code sum_exec_runtime} as the backend accounts it. */
    long sumExecRuntime(TaskStruct t);
}
