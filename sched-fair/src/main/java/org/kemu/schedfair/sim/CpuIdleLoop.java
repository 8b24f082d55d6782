package org.kemu.schedfair.sim;

import org.kemu.schedfair.TickGrid;
import org.kemu.schedfair.CpuIdleDriver;
import org.kemu.schedfair.CpuIdleState;

/**
 * One CPU's idle loop (kernel/sched/idle.c do_idle -> cpuidle_idle_call): each pass asks the
 * {@link MenuGovernor} for a state, stops the tick if it says so (tick_nohz_idle_stop_tick), enters
 * the state until an event ends it (a wake-up; the tick, while it runs; poll_idle's time limit,
 * cpuidle_poll_time) and reflects how it ended. The passes are replayed when the CPU is woken,
 * from the idle entry, so an idle CPU costs no engine events; they depend only on the entry time,
 * the tick grid and the wake time, so the replay is what the kernel would have done.
 *
 * <p>The task woken on the CPU waits the exit latency of the state the CPU is in when woken
 * (nothing for the polling state); a busy CPU is never in a state, so a task woken there waits
 * nothing. The latency is the state's package-awake figure when another CPU of the machine runs at
 * the wake-up ({@link CpuIdleState#wakeLatencyNs}); the replayed passes the tick ended take the same
 * figure, since only the package's state at the wake-up is known. That keeps an idle package's
 * brief wake-ups for the tick from counting as package-awake time, and counts a package that slept
 * between ticks as awake if it runs at the end: a bound on either side of the replay.
 * A CPU whose other hardware thread runs at the wake-up pays nothing: its core never left C0.
 */
final class CpuIdleLoop {
    private final CpuIdleDriver drv;
    private final TickGrid ticks;
    final MenuGovernor menu;
    /** cpuidle_poll_time in 5.14: the first enabled state's target residency, TICK_NSEC with none. */
    private final long pollLimitNs;
    /** When the CPU went idle, or -1 while it runs a task. */
    private long idleSince = -1;
    /** The next timer event as tick_nohz_get_sleep_length saw it at idle entry (absolute). */
    private long nextTimerAt = Long.MAX_VALUE;
    /** Idle-state statistics: entries per state (sysfs cpuidle/stateN/usage). */
    final long[] usage;

    CpuIdleLoop(CpuIdleDriver drv, TickGrid ticks) {
        this.drv = drv;
        this.ticks = ticks;
        long tickNs = ticks.tickNs();
        this.menu = new MenuGovernor(drv, tickNs);
        this.pollLimitNs = drv.count() > 1 ? drv.state(1).targetResidencyNs() : tickNs;
        this.usage = new long[drv.count()];
    }

    boolean idle() {
        return idleSince >= 0;
    }

    /** The CPU has nothing to run from {@code now}; {@code nextTimerAt} is the next timer event. */
    void enter(long now, long nextTimerAt) {
        if (idleSince < 0) {
            idleSince = now;
            this.nextTimerAt = nextTimerAt;
        }
    }

    /**
     * The CPU is woken at {@code wakeAt} to run a task: replays the idle passes since entry and
     * returns the exit latency the task waits. {@code packageAwake}: another CPU runs at
     * {@code wakeAt}, so no package C-state can be in force (on Xeons package C6 needs every CPU of
     * every socket idle). {@code coreAwake}: the other hardware thread of this CPU's core runs, so
     * the core is in C0 whatever this thread asked for (the core takes the shallowest of its
     * threads' requests: Intel's pepc doc "Xeon C6P and C6SP Idle States") and there is no core
     * state to leave.
     */
    long exit(long wakeAt, boolean packageAwake, boolean coreAwake) {
        if (idleSince < 0) {
            return 0;
        }
        long t = idleSince;
        idleSince = -1;
        if (drv.count() == 1) {
            // only poll_idle: the CPU sees need_resched at once
            usage[0]++;
            return 0;
        }
        boolean tickStopped = false;
        while (true) {
            if (wakeAt <= t) {
                // woken while leaving the last state for the tick: what is left of its exit latency
                return t - wakeAt;
            }
            long nextTick = nextTick(t);
            // kemu's timers are the machine's, not this CPU's: one that has expired during the idle
            // period ran elsewhere or woke nothing here, and what this CPU's next one is, is not
            // known. Taking it as due now would make every later pass poll (menu_select with a
            // timer at 0) for the rest of the idle period
            long nextTimerNs = nextTimerAt <= t ? Long.MAX_VALUE : nextTimerAt - t;
            long deltaNext = tickStopped ? nextTimerNs : Math.min(nextTimerNs, nextTick - t);
            MenuGovernor.Choice ch = menu.select(nextTimerNs, deltaNext, tickStopped, MenuGovernor.DEFAULT_LATENCY_REQ_NS);
            if (ch.stopTick()) {
                tickStopped = true;
            }
            CpuIdleState s = drv.state(ch.idx());
            usage[ch.idx()]++;
            long exitNs = coreAwake ? 0 : s.wakeLatencyNs(packageAwake);
            long end = Long.MAX_VALUE;
            boolean byTick = false;
            boolean byPoll = false;
            if (s.polling()) {
                end = t + pollLimitNs;
                byPoll = true;
            }
            if (!tickStopped && nextTick < end) {
                end = nextTick;
                byTick = true;
                byPoll = false;
            }
            if (wakeAt <= end) {
                menu.reflect(ch.idx(), wakeAt - t + exitNs, false, false);
                return exitNs;
            }
            menu.reflect(ch.idx(), end - t + exitNs, byTick, byPoll);
            t = end + exitNs;
        }
    }

    /** The first tick strictly after {@code t} (all CPUs tick on one grid). */
    private long nextTick(long t) {
        return ticks.tickAfter(t);
    }
}
