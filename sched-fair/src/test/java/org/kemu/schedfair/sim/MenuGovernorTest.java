package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.CpuIdleDriver;
import org.kemu.schedfair.CpuIdleState;

/** The 5.14 menu governor (drivers/cpuidle/governors/menu.c) on intel_idle's skx_cstates. */
class MenuGovernorTest {
    /** drivers/idle/intel_idle.c skx_cstates: C1 2/2 us, C1E 10/20 us, C6 133/600 us. */
    static final CpuIdleDriver SKX = new CpuIdleDriver("intel_idle", List.of(CpuIdleState.POLL,
            new CpuIdleState("C1", 2_000, 2_000, false), new CpuIdleState("C1E", 10_000, 20_000, false),
            new CpuIdleState("C6", 133_000, 600_000, false)));
    static final long TICK = 1_000_000;
    static final long FAR = Long.MAX_VALUE;
    static final long LAT = MenuGovernor.DEFAULT_LATENCY_REQ_NS;

    @Test
    void whichBucketSplitsByDecadesFromTenMicroseconds() {
        // which_bucket: <10 us, <100 us, <1 ms, <10 ms, <100 ms, beyond
        assertThat(MenuGovernor.whichBucket(9_999, 0)).isZero();
        assertThat(MenuGovernor.whichBucket(10_000, 0)).isEqualTo(1);
        assertThat(MenuGovernor.whichBucket(999_999, 0)).isEqualTo(2);
        assertThat(MenuGovernor.whichBucket(5_000_000, 0)).isEqualTo(3);
        assertThat(MenuGovernor.whichBucket(50_000_000, 0)).isEqualTo(4);
        assertThat(MenuGovernor.whichBucket(FAR, 0)).isEqualTo(5);
        assertThat(MenuGovernor.whichBucket(FAR, 1)).isEqualTo(11);
    }

    @Test
    void aTimerSoonerThanStateOnesResidencyPollsAndKeepsTheTick() {
        // menu_select: next_timer_ns < states[1].target_residency_ns -> state 0, stop_tick = !POLLING
        MenuGovernor g = new MenuGovernor(SKX, TICK);
        MenuGovernor.Choice c = g.select(1_500, 1_500, false, LAT);
        assertThat(c.idx()).isZero();
        assertThat(c.stopTick()).isFalse();
    }

    @Test
    void aFreshDevicePredictsNothingAndPolls() {
        // menu_enable_device zeroes intervals[]: the typical interval is 0, so latency_req becomes 0
        // through the interactivity limit and nothing beats the polling state
        MenuGovernor g = new MenuGovernor(SKX, TICK);
        MenuGovernor.Choice c = g.select(FAR, TICK, false, LAT);
        assertThat(c.idx()).isZero();
        assertThat(c.stopTick()).isFalse();
    }

    @Test
    void longIdlePeriodsWithNoTimerChooseTheDeepestStateAndStopTheTick() {
        // intervals of 45 ms (menu_update's 9/10 MAX_INTERESTING after tick wake-ups): C6, tick stopped
        MenuGovernor g = new MenuGovernor(SKX, TICK);
        Arrays.fill(g.intervals, 45_000);
        MenuGovernor.Choice c = g.select(FAR, TICK, false, LAT);
        assertThat(c.idx()).isEqualTo(3);
        assertThat(c.stopTick()).isTrue();
    }

    @Test
    void regularShortSleepsArePredictedByTheTypicalInterval() {
        // get_typical_interval: eight 500 us periods have variance 0 -> avg 500 us; C6's 600 us
        // residency does not fit, C1E's does; predicted < TICK_NSEC keeps the tick
        MenuGovernor g = new MenuGovernor(SKX, TICK);
        Arrays.fill(g.intervals, 500);
        assertThat(g.typicalInterval(MenuGovernor.UINT_MAX)).isEqualTo(500);
        MenuGovernor.Choice c = g.select(FAR, TICK, false, LAT);
        assertThat(c.idx()).isEqualTo(2);
        assertThat(c.stopTick()).isFalse();
    }

    @Test
    void irregularSleepsGiveNoTypicalInterval() {
        // avg^2 <= 36 variance and variance > 400: discard the largest, down to 3/4 of the samples
        MenuGovernor g = new MenuGovernor(SKX, TICK);
        long[] v = {10, 5000, 40, 20000, 100, 3000, 7, 60000};
        System.arraycopy(v, 0, g.intervals, 0, v.length);
        assertThat(g.typicalInterval(MenuGovernor.UINT_MAX)).isEqualTo(MenuGovernor.UINT_MAX);
    }

    @Test
    void aRetainedTickDemotesAStateThatCannotPayOffBeforeIt() {
        // menu_select's last block: tick kept and states[idx].target_residency_ns > delta_next ->
        // step down to the deepest state whose residency fits before the tick
        MenuGovernor g = new MenuGovernor(SKX, TICK);
        Arrays.fill(g.intervals, 900);
        MenuGovernor.Choice c = g.select(FAR, 300_000, false, LAT);
        assertThat(c.idx()).isEqualTo(2);
        assertThat(c.stopTick()).isFalse();
    }

    @Test
    void theLatencyLimitCapsTheDepth() {
        // s->exit_latency_ns > latency_req ends the search (PM QoS cpu_latency limit of 50 us)
        MenuGovernor g = new MenuGovernor(SKX, TICK);
        Arrays.fill(g.intervals, 45_000);
        assertThat(g.select(FAR, TICK, false, 50_000).idx()).isEqualTo(2);
    }

    @Test
    void shortMeasuredSleepsTeachTheCorrectionFactor() {
        // menu_update: factor -= factor / DECAY; factor += RESOLUTION * measured / next_timer
        MenuGovernor g = new MenuGovernor(SKX, TICK);
        g.select(10_000_000, TICK, false, LAT);
        g.reflect(3, 1_133_000, false, false);
        g.select(10_000_000, TICK, false, LAT);
        // bucket 4 (10 ms), measured 1133 - 133 = 1000 us: 8192 - 1024 + 1024 * 1 ms / 10 ms
        assertThat(g.correctionFactor[4]).isEqualTo(8192 - 1024 + 102);
        assertThat(g.intervals[0]).isEqualTo(1000);
    }
}
