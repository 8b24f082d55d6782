package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.schedfair.CpuIdleDriver;
import org.kemu.schedfair.TickGrid;

/**
 * The idle loop (kernel/sched/idle.c cpuidle_idle_call) replayed at wake-up: the woken task waits
 * the exit latency of the state the CPU is in.
 */
class CpuIdleLoopTest {
    @Test
    void aLongIdleCpuIsInC6AndCostsItsExitLatency() {
        CpuIdleLoop l = new CpuIdleLoop(MenuGovernorTest.SKX, new TickGrid(1000, 0));
        l.enter(0, Long.MAX_VALUE);
        assertThat(l.exit(10_000_000, false, false)).isEqualTo(133_000);
        assertThat(l.usage[3]).isEqualTo(1);
    }

    @Test
    void withThePackageAwakeC6CostsTheCoreExitButMenuStillPlansWithTheDeclaredOne() {
        CpuIdleDriver skx = new CpuIdleDriver("intel_idle", java.util.List.of(org.kemu.schedfair.CpuIdleState.POLL,
                new org.kemu.schedfair.CpuIdleState("C1", 2_000, 2_000, false),
                new org.kemu.schedfair.CpuIdleState("C1E", 10_000, 20_000, false),
                new org.kemu.schedfair.CpuIdleState("C6", 133_000, 600_000, false, 92_000)));
        CpuIdleLoop awake = new CpuIdleLoop(skx, new TickGrid(1000, 0));
        CpuIdleLoop asleep = new CpuIdleLoop(skx, new TickGrid(1000, 0));
        awake.enter(0, Long.MAX_VALUE);
        asleep.enter(0, Long.MAX_VALUE);
        assertThat(awake.exit(10_000_000, true, false)).isEqualTo(92_000);
        assertThat(asleep.exit(10_000_000, false, false)).isEqualTo(133_000);
        assertThat(awake.usage[3]).isEqualTo(1);
        // the measured residency includes the exit actually paid, and menu_update corrects it by the
        // declared latency (menu.c), so the CPU whose package stayed awake learns a 41 us shorter
        // interval
        awake.enter(20_000_000, Long.MAX_VALUE);
        asleep.enter(20_000_000, Long.MAX_VALUE);
        awake.exit(20_000_001, true, false);
        asleep.exit(20_000_001, false, false);
        assertThat(asleep.menu.intervals[0] - awake.menu.intervals[0]).isEqualTo(41);
    }

    @Test
    void aCpuWhoseCoreStayedAwakeWakesAtOnce() {
        CpuIdleLoop l = new CpuIdleLoop(MenuGovernorTest.SKX, new TickGrid(1000, 0));
        l.enter(0, Long.MAX_VALUE);
        assertThat(l.exit(10_000_000, false, true)).isZero();
        // the request was still C6: the governor's choice does not depend on the sibling
        assertThat(l.usage[3]).isEqualTo(1);
    }

    @Test
    void aMachineTimerThatExpiredDuringTheIdlePeriodDoesNotKeepTheCpuPolling() {
        // the timer recorded at idle entry (another CPU's, say the balance softirq's) expires 1 ms in;
        // menu_select must not see it as due for the other 9 ms: the CPU goes on to C6, as it would
        // with no timer known (the bug: every pass after 1 ms polled and the wake-up cost nothing)
        CpuIdleLoop l = new CpuIdleLoop(MenuGovernorTest.SKX, new TickGrid(1000, 0));
        l.enter(0, 1_000_000);
        assertThat(l.exit(10_000_000, false, false)).isEqualTo(133_000);
    }

    @Test
    void aPollOnlyCpuWakesForFree() {
        CpuIdleLoop l = new CpuIdleLoop(CpuIdleDriver.POLL_ONLY, new TickGrid(1000, 0));
        l.enter(0, Long.MAX_VALUE);
        assertThat(l.exit(10_000_000, false, false)).isZero();
    }

    @Test
    void aBusyCpuCostsNothing() {
        CpuIdleLoop l = new CpuIdleLoop(MenuGovernorTest.SKX, new TickGrid(1000, 0));
        l.enter(0, Long.MAX_VALUE);
        l.exit(1_000, false, false);
        assertThat(l.idle()).isFalse();
        assertThat(l.exit(2_000, false, false)).isZero();
    }

    @Test
    void regularShortSleepsSettleInAShallowerState() {
        // after eight 300 us sleeps menu_update has intervals of ~300 us; get_typical_interval then
        // predicts 300 us and menu_select picks C1E (residency 20 us) over C6 (600 us)
        CpuIdleLoop l = new CpuIdleLoop(MenuGovernorTest.SKX, new TickGrid(1000, 0));
        long t = 0;
        long last = 0;
        for (int i = 0; i < 20; i++) {
            l.enter(t, Long.MAX_VALUE);
            last = l.exit(t + 300_000, false, false);
            t += 300_000 + last + 50_000;
        }
        assertThat(last).isEqualTo(10_000);
    }
}
