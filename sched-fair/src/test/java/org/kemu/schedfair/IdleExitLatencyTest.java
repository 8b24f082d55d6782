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

    /** Skylake-SP with C6's exit split: 133 us declared (package C6), 92 us for core C6 alone. */
    static final CpuIdleDriver SKX_PC0 = new CpuIdleDriver("intel_idle", List.of(CpuIdleState.POLL,
            new CpuIdleState("C1", 2_000, 2_000, false), new CpuIdleState("C1E", 10_000, 20_000, false),
            new CpuIdleState("C6", 133_000, 600_000, false, 92_000)));

    /**
     * When a waiter on CPU 0 of {@code topo} runs after CPU 1 (busy since the start) completes what
     * it waits for at 10 ms.
     */
    private static long wokenByABusyCpu(Topology topo) {
        MachineSpec m = new MachineSpec("pkg", topo, new MemoryBandwidth(10e9, 10e9), RuntimeCosts.FREE, SKX_PC0);
        Kernel k = Kernels.simulated(KernelConfig.of(m, 1));
        Completion done = k.completion("done");
        long[] back = new long[1];
        k.spawn(TaskSpec.kthread("waiter").withAffinity(CpuMask.of(0)), () -> {
            done.waitForCompletion();
            back[0] = k.now();
        });
        k.spawn(TaskSpec.kthread("waker").withAffinity(CpuMask.of(1)), () -> {
            k.work(10_000_000);
            done.complete();
        });
        k.run();
        return back[0];
    }

    @Test
    void aCpuWokenWhileAnotherCoreOfItsPackageRunsLeavesOnlyCoreC6() {
        // A package C-state needs every core of the package idle, so while the waker runs on the
        // waiter's package the package stays in PC0 and the waiter's CPU leaves core C6 only: 92 us
        // (intel_idle's CC6/PC0 figure, Linux commit 64233338) instead of the declared 133 us of
        // package C6, which it pays when the waker runs on the other node's package
        long samePackage = wokenByABusyCpu(new Topology(1, 2, 1, 1L << 30));
        long otherPackage = wokenByABusyCpu(new Topology(2, 1, 1, 1L << 30));
        assertThat(otherPackage - samePackage).isEqualTo(133_000 - 92_000);
        assertThat(samePackage).isGreaterThanOrEqualTo(10_000_000 + 92_000);
    }

    @Test
    void aTaskWokenOnABusyCpuPaysNoExitLatency() {
        // the hog keeps the CPU out of idle, so the sleeper wakes exactly as on a polling machine
        long bare = wokenAfterSleep(CpuIdleDriver.POLL_ONLY, true);
        long skx = wokenAfterSleep(SKX, true);
        assertThat(skx).isEqualTo(bare);
    }
}
