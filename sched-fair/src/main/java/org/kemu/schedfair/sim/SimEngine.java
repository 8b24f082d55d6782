package org.kemu.schedfair.sim;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.TaskFailedException;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.internal.DeadlockReport;
import org.kemu.schedfair.internal.EventHash;
import org.kemu.schedfair.internal.HrTimer;
import org.kemu.schedfair.internal.TaskAbort;
import org.kemu.schedfair.internal.TaskStruct;

/**
 * The discrete-event engine: the virtual clock, the timer queue, the event loop, the baton, the
 * event hash and the deadlock report. It knows nothing of scheduling: the CPUs are an
 * {@link EventSource} whose earliest event it runs when no timer is due earlier.
 *
 * <p>Each task's code has its own stack, carried by a continuation or a virtual thread
 * ({@link Carrier}), and the baton makes sure exactly one of them executes at any moment. When the
 * executing task calls into the engine (work, a blocking lock, sleep, exit), the event loop runs on
 * its stack: it takes the earliest event (timers first, then CPUs by next-event time, ties by CPU
 * id), and when the event lets some task continue its code, hands the baton to that task. If that
 * is the caller itself, no switch happens at all. On continuations, handing over is a yield to the
 * carrier loop ({@link #carryTasks}), which mounts the next task on the same host thread; on virtual
 * threads it is an unpark of the next task's thread and a park of the caller's. All engine state is
 * therefore touched by one thread at a time, with the baton's volatile write/read ordering
 * successive holders.
 *
 * <p>Virtual time passes only through the events the source schedules: code between engine calls
 * takes no virtual time.
 *
 * <p>Two limits stop a runaway run. The virtual time limit is checked on the event loop, so it
 * fails the run at the same event every time. The wall time limit is checked by a watchdog: the
 * driver (the thread that called {@link #run()}, idle while tasks run) wakes up periodically,
 * reads the event counter and the clock without touching any other engine state, and when the
 * limit has passed it fails the run from outside: it publishes its failure, raises the abort flag
 * and interrupts the executing task's host thread (on continuations the carrier thread, which then
 * is a platform thread of its own, not the driver). That is the only way to stop task code that never
 * calls into the kernel (a busy loop, or {@code Thread.sleep}, on the host thread), and the report
 * says which task held the baton, for how long nothing advanced, and where its code was.
 */
final class SimEngine {
    static final int EV_TIMER = 1;

    /** The CPUs as the engine sees them: when their next event is due, and running it. */
    interface EventSource {
        /** Virtual time of the earliest CPU event; Long.MAX_VALUE when no CPU has one. */
        long nextEventAt();

        /** Runs the earliest CPU event (due now); returns the task whose code continues, or null. */
        TaskStruct runEvent();

        /** do_exit's part below the engine: {@code t} leaves its CPU; false when that failed the run. */
        boolean exit(TaskStruct t);
    }

    /** How often the watchdog samples progress at most (it samples 20 times per limit when shorter). */
    private static final long WATCHDOG_SAMPLE_NS = TimeUnit.SECONDS.toNanos(1);
    private static final VarHandle EVENTS;
    private static final VarHandle NOW;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            EVENTS = l.findVarHandle(SimEngine.class, "events", long.class);
            NOW = l.findVarHandle(SimEngine.class, "now", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long timeLimitNs;
    private final long wallLimitNs;
    private final List<TaskStruct> tasks;
    private final boolean onContinuations;
    private final TimerQueue timers = new TimerQueue();
    private final EventHash hash = new EventHash();
    private EventSource cpus;

    long now;
    private long events;
    private long timerSeq;
    private int live;

    /** The task whose code is executing, or null while the driver or the event loop runs. */
    private TaskStruct executing;
    private volatile TaskStruct baton;
    /** The thread that may touch engine state while a run is on (the baton holder's). */
    private volatile Thread holder;
    private volatile boolean finished = true;
    private volatile boolean aborted;
    private Thread driver;
    /** On continuations: the host thread that mounts the tasks during a run. */
    private volatile Thread carrierThread;
    /** On continuations: the task the carrier loop mounts next, set by the task that hands off. */
    private TaskStruct pending;
    private RuntimeException failure;
    /** The watchdog's failure: written by the driver while a task may still hold the baton. */
    private volatile KernelException watchdogFailure;
    private boolean broken;

    /**
     * {@code tasks} is the kernel's list of every task, read for failure and deadlock reports;
     * {@code timeLimitNs} and {@code wallLimitNs} are the virtual and wall time limits (0 = none).
     */
    SimEngine(long timeLimitNs, long wallLimitNs, List<TaskStruct> tasks, Carrier carrier) {
        this.timeLimitNs = timeLimitNs;
        this.wallLimitNs = wallLimitNs;
        this.tasks = tasks;
        this.onContinuations = carrier == Carrier.CONTINUATIONS;
    }

    /** Gives a new task the stack its code will run on (once, when the task is created). */
    void carry(TaskStruct t) {
        if (onContinuations) {
            SimTask.of(t).continuation = Continuations.create(() -> taskMain(t));
        } else {
            t.thread = Thread.ofVirtual().name(t.name).unstarted(() -> taskMain(t));
        }
    }

    Carrier carrier() {
        return onContinuations ? Carrier.CONTINUATIONS : Carrier.VIRTUAL_THREADS;
    }

    /** Sets the CPUs whose events the engine runs (once, while the kernel is built). */
    void drive(EventSource source) {
        this.cpus = source;
    }

    // ---- who runs ---------------------------------------------------------------------------------

    /** The executing task when the calling thread is its thread, else null. */
    TaskStruct current() {
        TaskStruct e = executing;
        return e != null && onHostThreadOf(e) ? e : null;
    }

    /** True when the calling thread is the one that carries {@code t}'s code. */
    private boolean onHostThreadOf(TaskStruct t) {
        Thread me = Thread.currentThread();
        return onContinuations ? me == carrierThread : t.thread == me;
    }

    /** True when the calling thread carries task code at all (any task's, not a driver's). */
    private boolean onSomeTaskThread() {
        Thread me = Thread.currentThread();
        return onContinuations ? me == carrierThread : me.isVirtual();
    }

    /** The host thread {@code t}'s code runs on while it executes (null before it could). */
    private Thread hostThreadOf(TaskStruct t) {
        return onContinuations ? carrierThread : t.thread;
    }

    /** The task whose code is executing (whatever thread asks), or null. */
    TaskStruct executing() {
        return executing;
    }

    /** The executing task stops executing code: its CPU's next event is planned from here on. */
    void suspendExecuting() {
        executing = null;
    }

    /** The executing task; throws outside a task, and unwinds when the run was aborted. */
    TaskStruct self(String what) {
        if (aborted && onSomeTaskThread()) {
            throw new TaskAbort();
        }
        TaskStruct e = executing;
        if (e == null || !onHostThreadOf(e)) {
            if (aborted) {
                throw new TaskAbort();
            }
            throw new IllegalStateException(what + " called outside an emulated task");
        }
        return e;
    }

    /** True when the calling thread may touch engine state: it holds the baton, or no run is on. */
    boolean mayAccount() {
        return finished || Thread.currentThread() == holder;
    }

    boolean running() {
        return !finished;
    }

    boolean aborted() {
        return aborted;
    }

    boolean broken() {
        return broken;
    }

    /** A task became runnable for the first time: the run lasts until it exits. */
    void taskWoken() {
        live++;
    }

    /** Adds an event to the run's hash (the CPU events; timers add their own). */
    void hash(int kind, int cpu, long taskId) {
        hash.add(now, kind, cpu, taskId);
    }

    long events() {
        return events;
    }

    long hashValue() {
        return hash.value();
    }

    // ---- timers -----------------------------------------------------------------------------------

    void armTimer(HrTimer tm, long at) {
        tm.generation++;
        tm.expires = Math.max(at, now);
        timers.remove(tm);
        tm.queueAt = tm.expires;
        tm.queueSeq = timerSeq++;
        timers.add(tm);
    }

    /**
     * The expiry of the earliest armed timer, Long.MAX_VALUE with none (what
     * tick_nohz_get_sleep_length sees of kemu's hrtimers). Re-arming and cancelling take a timer out
     * of the queue at once, so the head is always armed.
     */
    long nextTimerAt() {
        HrTimer t = timers.peek();
        return t == null ? Long.MAX_VALUE : t.queueAt;
    }

    boolean cancelTimer(HrTimer tm) {
        boolean was = tm.expires >= 0;
        tm.generation++;
        tm.expires = -1;
        timers.remove(tm);
        return was;
    }

    // ---- the event loop and the baton -------------------------------------------------------------

    /**
     * Runs events until one lets a task continue its code; returns that task, or null when the run
     * is over (normally or not).
     */
    private TaskStruct dispatch() {
        executing = null;
        while (true) {
            if (live == 0) {
                // nothing left that a timer could wake: pending timers die with the run
                end();
                return null;
            }
            long tc = cpus.nextEventAt();
            HrTimer tm = timers.peek();
            if (tm != null && tm.queueAt <= tc) {
                timers.poll();
                if (!advance(tm.queueAt)) {
                    return null;
                }
                tm.expires = -1;
                hash.add(now, EV_TIMER, -1, tm.queueSeq);
                countEvent();
                try {
                    tm.callback.run();
                } catch (TaskAbort a) {
                    throw a;
                } catch (RuntimeException | Error e) {
                    fail(new TaskFailedException("timer " + tm.name(), e));
                    return null;
                }
                continue;
            }
            if (tc == Long.MAX_VALUE) {
                fail(DeadlockReport.of(tasks));
                return null;
            }
            if (!advance(tc)) {
                return null;
            }
            countEvent();
            TaskStruct t = cpus.runEvent();
            if (t != null) {
                return t;
            }
        }
    }

    /**
     * Whether a CPU event of CPU {@code cpu} at {@code at} would be the next thing {@link #dispatch}
     * handles, given the CPU heap's minimum over the other CPUs: before every timer (a timer due at
     * the same time goes first) and before, or tied with a higher id than, every other CPU's event.
     */
    boolean isNextEvent(int cpu, long at, long othersMin, int othersMinCpu) {
        if (at > othersMin || (at == othersMin && cpu > othersMinCpu) || at == Long.MAX_VALUE || live == 0) {
            return false;
        }
        HrTimer tm = timers.peek();
        return tm == null || tm.queueAt > at;
    }

    /** What dispatch does on reaching the executing task's own next event: advance and count it. */
    boolean advanceToOwnEvent(long at) {
        if (!advance(at)) {
            return false;
        }
        countEvent();
        return true;
    }

    /** The executing task goes on after its own event, as {@link #yieldCpu} leaves it when it is next. */
    void resumeSelf(TaskStruct self) {
        executing = self;
    }

    /**
     * One more event. An opaque store: as cheap as a plain one, but the watchdog on the driver
     * thread is sure to see it eventually (a plain counter could stay in a register).
     */
    private void countEvent() {
        EVENTS.setOpaque(this, events + 1);
    }

    private boolean advance(long to) {
        if (timeLimitNs > 0 && to > timeLimitNs) {
            fail(new KernelException(Errno.ETIME, "sim:virtual_time_limit", "virtual time limit of "
                    + seconds(timeLimitNs) + " s reached at " + seconds(now) + " s after " + events
                    + " events (the next event was due at " + seconds(to) + " s); tasks still live: "
                    + liveTasks()));
            return false;
        }
        if (to > now) {
            NOW.setOpaque(this, to);
        }
        return true;
    }

    private static String seconds(long ns) {
        return String.format(java.util.Locale.ROOT, "%.6f", ns / 1e9);
    }

    private List<String> liveTasks() {
        List<String> out = new ArrayList<>();
        for (TaskStruct t : tasks) {
            if (t.woken && t.state != TaskState.DEAD) {
                out.add(t + " " + t.state + (t.waitsOn != null ? " on " + t.waitsOn : ""));
            }
        }
        return out;
    }

    /** Ends the run with {@code e} (the first failure wins); every started task unwinds. */
    void fail(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        broken = true;
        aborted = true;
        if (!onContinuations) {
            // on continuations the carrier loop unwinds them when it regains control (unwind())
            for (TaskStruct t : tasks) {
                if (t.thread.getState() != Thread.State.NEW && t.state != TaskState.DEAD
                        && t.thread != Thread.currentThread()) {
                    LockSupport.unpark(t.thread);
                }
            }
        }
        end();
    }

    private void end() {
        executing = null;
        finished = true;
        if (driver != null && driver != Thread.currentThread()) {
            LockSupport.unpark(driver);
        }
    }

    /** Hands the baton to {@code next}; unless {@code self} is exiting, waits to get it back. */
    private void handOff(TaskStruct next, TaskStruct self, boolean selfExits) {
        if (onContinuations) {
            yieldTo(next, self, selfExits);
            return;
        }
        executing = next;
        holder = next.thread;
        baton = next;
        if (next.thread.getState() == Thread.State.NEW) {
            next.thread.start();
        } else {
            LockSupport.unpark(next.thread);
        }
        if (!selfExits) {
            awaitBaton(self);
        }
    }

    /**
     * The hand-off on continuations: {@code next} is left for the carrier loop, and unless
     * {@code self} is exiting (its continuation then just ends) it yields to that loop, which mounts
     * {@code next}, and resumes here when the baton comes back, or when the loop unwinds an aborted run.
     */
    private void yieldTo(TaskStruct next, TaskStruct self, boolean selfExits) {
        executing = next;
        baton = next;
        pending = next;
        if (selfExits) {
            return;
        }
        try {
            Continuations.yieldNow();
        } catch (IllegalStateException pinned) {
            // a native frame on the task's stack (a JNI or upcall in task code) cannot be switched out
            executing = self;
            baton = self;
            pending = null;
            fail(new TaskFailedException(self.name, new IllegalStateException("task code cannot be suspended here"
                    + " (run with -D" + Carrier.PROPERTY + "=virtual-threads to carry tasks on virtual threads)",
                    pinned)));
            throw new TaskAbort();
        }
        if (aborted) {
            throw new TaskAbort();
        }
    }

    private void awaitBaton(TaskStruct self) {
        if (onContinuations && self != null) {
            // mounted by the carrier loop only when it holds the baton (or to unwind)
            if (aborted) {
                throw new TaskAbort();
            }
            return;
        }
        if (self == null) {
            if (wallLimitNs > 0) {
                watchdog();
            } else {
                while (!finished) {
                    LockSupport.park(this);
                }
            }
            return;
        }
        while (baton != self) {
            if (aborted) {
                throw new TaskAbort();
            }
            LockSupport.park(this);
        }
        if (aborted) {
            throw new TaskAbort();
        }
    }

    // ---- the wall time watchdog ---------------------------------------------------------------

    /**
     * The driver's wait while tasks run, with the wall time limit: it samples the event counter and
     * the clock (opaque reads of two words; nothing else of the engine is read) until the run ends
     * or the limit passes, and remembers when they last moved, to tell a stalled run from a slow one.
     */
    private void watchdog() {
        long start = System.nanoTime();
        long sample = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(WATCHDOG_SAMPLE_NS, wallLimitNs / 20));
        long lastEvents = -1;
        long lastNow = -1;
        long lastChange = start;
        while (!finished) {
            long t = System.nanoTime();
            long e = (long) EVENTS.getOpaque(this);
            long v = (long) NOW.getOpaque(this);
            if (e != lastEvents || v != lastNow) {
                lastEvents = e;
                lastNow = v;
                lastChange = t;
            }
            long elapsed = t - start;
            if (elapsed >= wallLimitNs) {
                watchdogFail(elapsed, t - lastChange, e, v);
                return;
            }
            LockSupport.parkNanos(this, Math.min(sample, wallLimitNs - elapsed));
        }
    }

    /**
     * Fails the run from the driver thread, which does not hold the baton: the failure goes to its
     * own volatile field (so no engine state is written under a task's feet), the abort flag makes
     * every task unwind at its next kernel call, the waiting tasks are woken to unwind, and the
     * executing one is interrupted (which ends a {@code Thread.sleep} or a blocking host call). Task
     * code busy-looping in Java cannot be stopped from outside: its virtual thread is left to end
     * on its own, and the kernel is unusable, as after any failed run.
     */
    private void watchdogFail(long elapsedNs, long stalledNs, long atEvents, long atNow) {
        TaskStruct running = baton;
        StringBuilder msg = new StringBuilder("wall time limit of ").append(seconds(wallLimitNs))
                .append(" s reached at virtual time ").append(seconds(atNow)).append(" s after ").append(atEvents)
                .append(" events; ");
        // a stall is reported when nothing moved for at least a quarter of the limit
        if (stalledNs >= wallLimitNs / 4) {
            msg.append("no virtual time passed and no event ran for the last ").append(seconds(stalledNs))
                    .append(" s of wall time");
            if (running != null) {
                msg.append(" while task '").append(running.name).append("' was running its own code on the host"
                        + " thread (blocking or looping in Java without calling into the kernel?)");
            }
        } else {
            msg.append("the run was still making progress");
            if (running != null) {
                msg.append("; task '").append(running.name).append("' was running");
            }
        }
        if (running != null) {
            msg.append("; its code was at:").append(codeOf(hostThreadOf(running)));
        }
        try {
            msg.append("\ntasks:").append(DeadlockReport.describe(tasks));
        } catch (RuntimeException e) {
            // read from outside the baton: a task still making progress may change what it waits on
            msg.append("\ntasks: (changing while read: ").append(e).append(')');
        }
        watchdogFailure = new KernelException(Errno.ETIME, "sim:wall_time_limit", msg.toString());
        broken = true;
        aborted = true;
        if (onContinuations) {
            // the others are suspended continuations: the carrier unwinds them if its task returns
            Thread c = carrierThread;
            if (running != null && c != null) {
                c.interrupt();
            }
            return;
        }
        for (TaskStruct t : tasks) {
            if (t.thread.getState() != Thread.State.NEW && t.state != TaskState.DEAD) {
                if (t == running) {
                    t.thread.interrupt();
                } else {
                    LockSupport.unpark(t.thread);
                }
            }
        }
    }

    /**
     * Where a thread's code is: its top frame (what it is doing: sleeping, spinning), then the frames
     * outside the JDK (whose code it is), at most ten.
     */
    private static String codeOf(Thread th) {
        StackTraceElement[] stack = th.getStackTrace();
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < stack.length && shown < 10; i++) {
            String c = stack[i].getClassName();
            boolean jdk = c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.");
            if (i == 0 || !jdk) {
                sb.append("\n    at ").append(stack[i]);
                shown++;
            }
        }
        return sb.toString();
    }

    /** The executing task gives up control until the engine resumes it. */
    void yieldCpu(TaskStruct self) {
        TaskStruct next = dispatch();
        if (next == null) {
            throw new TaskAbort();
        }
        if (next != self) {
            handOff(next, self, false);
        }
        executing = self;
    }

    /** The body of a task's thread: waits for the baton, runs the task's code, exits. */
    void taskMain(TaskStruct t) {
        try {
            awaitBaton(t);
        } catch (TaskAbort a) {
            return;
        }
        try {
            t.body.run();
        } catch (TaskAbort a) {
            return;
        } catch (Throwable e) {
            if (aborted) {
                // the run already failed (the watchdog interrupted this task, say): that failure stands
                return;
            }
            fail(new TaskFailedException(t.name, e));
            return;
        }
        if (aborted) {
            // the body ended after the watchdog stopped the run: engine state is no longer this task's
            return;
        }
        live--;
        if (!cpus.exit(t)) {
            return;
        }
        TaskStruct next = dispatch();
        if (next != null) {
            handOff(next, t, true);
        }
    }

    /**
     * The run on continuations. The driver carries the tasks itself unless a watchdog must watch them
     * (a wall time limit: the driver is the watchdog then) or the driver is a virtual thread (whose
     * own continuation must not be frozen with kemu's inside); then a platform thread carries them
     * and the driver waits for it.
     */
    private void runOnContinuations() {
        if (wallLimitNs == 0 && !driver.isVirtual()) {
            carrierThread = driver;
            holder = driver;
            carryTasks();
            return;
        }
        Thread c = Thread.ofPlatform().name("kemu-sim-carrier").daemon(true).unstarted(this::carryTasks);
        carrierThread = c;
        holder = c;
        c.start();
        awaitBaton(null);
        if (watchdogFailure == null) {
            // the run ended on the carrier: wait until it has unwound and let go of the kernel
            boolean interrupted = false;
            while (c.isAlive()) {
                try {
                    c.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The carrier loop: mounts the task holding the baton until it hands off (it leaves the next
     * one in {@link #pending}) or its code ends, until no task can continue. An aborted run's
     * suspended tasks are then mounted once more, each to unwind from where it waited.
     */
    private void carryTasks() {
        TaskStruct next = dispatch();
        while (next != null) {
            executing = next;
            baton = next;
            pending = null;
            try {
                Continuations.run(SimTask.of(next).continuation);
            } catch (RuntimeException | Error e) {
                // taskMain catches what task code throws; this is the continuation itself failing
                fail(new TaskFailedException(next.name, e));
                break;
            }
            next = pending;
        }
        if (aborted) {
            unwind();
        }
    }

    private void unwind() {
        executing = null;
        baton = null;
        for (int i = 0; i < tasks.size(); i++) {
            TaskStruct t = tasks.get(i);
            Object c = SimTask.of(t).continuation;
            if (c != null && t.state != TaskState.DEAD && !Continuations.isDone(c)) {
                try {
                    Continuations.run(c);
                } catch (RuntimeException | Error e) {
                    // the run has already failed; what a task does while it unwinds cannot change that
                }
            }
        }
    }

    /** Runs until every task has exited; throws the run's failure. */
    void run() {
        if (broken) {
            throw new IllegalStateException("kernel is unusable after a failed run");
        }
        if (!finished || current() != null) {
            throw new IllegalStateException("run() called while the kernel is running");
        }
        driver = Thread.currentThread();
        finished = false;
        if (onContinuations) {
            runOnContinuations();
        } else {
            holder = driver;
            TaskStruct next = dispatch();
            if (next != null) {
                handOff(next, null, false);
            }
        }
        driver = null;
        if (watchdogFailure != null) {
            throw watchdogFailure;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
