package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * try_to_wake_up of a task whose CPU went idle: it runs once the CPU has left its cpuidle state
 * (cpuidle_enter_state returns after the state's exit latency); a CPU kept busy was never idle.
 */
class IdleExitLatencyTest {
    static final CpuIdleDriver SKX = new CpuIdleDriver("intel_idle", List.of(CpuIdleState.POLL,
            new CpuIdleState("C1", 2_000, 2_000, false), new CpuIdleState("C1E", 10_000, 20_000, false),
            new CpuIdleState("C6", 133_000, 600_000, false)));

    private static long wokenAfterSleep(CpuIdleDriver d, boolean keepCpuBusy) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1).withIdle(d), 1));
        long[] back = new long[1];
        k.spawn(TaskSpec.kthread("sleeper"), () -> {
            k.sleep(10_000_000);
            back[0] = k.now();
        });
        if (keepCpuBusy) {
            k.spawn(TaskSpec.kthread("hog").withNice(19), () -> {
                while (k.now() < 20_000_000) {
                    k.work(100_000);
                }
            });
        }
        k.run();
        return back[0];
    }

    @Test
    void aTaskWokenOnAnIdleCpuWaitsForItToLeaveC6() {
        // 10 ms of idle with no timer in sight: after a few poll passes (poll_idle's limit, menu_update
        // learning long intervals) menu_select picks C6, exit latency 133 us. The start at time 0 is
        // free: a fresh menu device predicts 0 and the CPU polls
        long bare = wokenAfterSleep(CpuIdleDriver.POLL_ONLY, false);
        long c6 = wokenAfterSleep(SKX, false);
        assertThat(c6 - bare).isEqualTo(133_000);
    }

    @Test
    void aTaskWokenOnABusyCpuPaysNoExitLatency() {
        // the hog keeps the CPU out of idle, so the sleeper wakes exactly as on a polling machine
        long bare = wokenAfterSleep(CpuIdleDriver.POLL_ONLY, true);
        long skx = wokenAfterSleep(SKX, true);
        assertThat(skx).isEqualTo(bare);
    }
}
