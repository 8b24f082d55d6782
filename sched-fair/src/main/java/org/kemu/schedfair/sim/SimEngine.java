package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;
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
 * <p>Each task's code runs on its own virtual thread, and the baton makes sure exactly one of them
 * executes at any moment. When the executing task calls into the engine (work, a blocking lock,
 * sleep, exit), that same thread runs the event loop: it takes the earliest event (timers first,
 * then CPUs by next-event time, ties by CPU id), and when the event lets some task continue its
 * code, hands the baton to that task's thread. If that is the caller itself, no thread switch
 * happens at all. All engine state is therefore touched by one thread at a time, with the baton's
 * volatile write/read ordering successive holders.
 *
 * <p>Virtual time passes only through the events the source schedules: code between engine calls
 * takes no virtual time.
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

    /** A timer queue entry: valid while the timer's generation is unchanged. */
    private record TimerEntry(long at, long seq, HrTimer timer, long generation) {
    }

    private final long timeLimitNs;
    private final List<TaskStruct> tasks;
    private final PriorityQueue<TimerEntry> timers = new PriorityQueue<>(
            Comparator.comparingLong(TimerEntry::at).thenComparingLong(TimerEntry::seq));
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
    private RuntimeException failure;
    private boolean broken;

    /** {@code tasks} is the kernel's list of every task, read for failure and deadlock reports. */
    SimEngine(long timeLimitNs, List<TaskStruct> tasks) {
        this.timeLimitNs = timeLimitNs;
        this.tasks = tasks;
    }

    /** Sets the CPUs whose events the engine runs (once, while the kernel is built). */
    void drive(EventSource source) {
        this.cpus = source;
    }

    // ---- who runs ---------------------------------------------------------------------------------

    /** The executing task when the calling thread is its thread, else null. */
    TaskStruct current() {
        TaskStruct e = executing;
        return e != null && e.thread == Thread.currentThread() ? e : null;
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
        if (aborted && Thread.currentThread().isVirtual()) {
            throw new TaskAbort();
        }
        TaskStruct e = executing;
        if (e == null || e.thread != Thread.currentThread()) {
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
        timers.add(new TimerEntry(tm.expires, timerSeq++, tm, tm.generation));
    }

    boolean cancelTimer(HrTimer tm) {
        boolean was = tm.expires >= 0;
        tm.generation++;
        tm.expires = -1;
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
            TimerEntry te = timers.peek();
            if (te != null && te.at() <= tc) {
                timers.poll();
                if (te.generation() != te.timer().generation) {
                    continue;
                }
                if (!advance(te.at())) {
                    return null;
                }
                HrTimer tm = te.timer();
                tm.expires = -1;
                hash.add(now, EV_TIMER, -1, te.seq());
                events++;
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
            events++;
            TaskStruct t = cpus.runEvent();
            if (t != null) {
                return t;
            }
        }
    }

    private boolean advance(long to) {
        if (timeLimitNs > 0 && to > timeLimitNs) {
            fail(new IllegalStateException("virtual time limit of " + timeLimitNs
                    + " ns reached; tasks still live: " + liveTasks()));
            return false;
        }
        if (to > now) {
            now = to;
        }
        return true;
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
        for (TaskStruct t : tasks) {
            if (t.thread.getState() != Thread.State.NEW && t.state != TaskState.DEAD
                    && t.thread != Thread.currentThread()) {
                LockSupport.unpark(t.thread);
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

    private void awaitBaton(TaskStruct self) {
        if (self == null) {
            while (!finished) {
                LockSupport.park(this);
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
            fail(new TaskFailedException(t.name, e));
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

    /** Runs until every task has exited; throws the run's failure. */
    void run() {
        if (broken) {
            throw new IllegalStateException("kernel is unusable after a failed run");
        }
        if (!finished || current() != null) {
            throw new IllegalStateException("run() called while the kernel is running");
        }
        driver = Thread.currentThread();
        holder = driver;
        finished = false;
        TaskStruct next = dispatch();
        if (next != null) {
            handOff(next, null, false);
        }
        driver = null;
        if (failure != null) {
            throw failure;
        }
    }
}
