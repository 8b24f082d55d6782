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

    /** When a sleeper on CPU 0 of {@code m} wakes from 10 ms of sleep, with a hog on {@code hogCpu} (-1: none). */
    private static long wokenAfterSleep(MachineSpec m, int hogCpu) {
        Kernel k = Kernels.simulated(KernelConfig.of(m, 1));
        long[] back = new long[1];
        k.spawn(TaskSpec.kthread("sleeper").withAffinity(CpuMask.of(0)), () -> {
            k.sleep(10_000_000);
            back[0] = k.now();
        });
        if (hogCpu >= 0) {
            k.spawn(TaskSpec.kthread("hog").withNice(19).withAffinity(CpuMask.of(hogCpu)), () -> {
                while (k.now() < 20_000_000) {
                    k.work(100_000);
                }
            });
        }
        k.run();
        return back[0];
    }

    private static long wokenAfterSleep(CpuIdleDriver d, boolean keepCpuBusy) {
        return wokenAfterSleep(MachineSpec.simple(1).withIdle(d), keepCpuBusy ? 0 : -1);
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

    /** When a waiter on CPU 0 of {@code topo} runs after CPU 1, working since the start, completes what it waits for at 10 ms. */
    private static long wokenBy(Topology topo) {
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
    void aCpuWokenWhileAnotherCpuRunsLeavesOnlyCoreC6() {
        // Package C6 needs every CPU of the machine in core C6 (on Xeons it has system scope: Intel's
        // pepc doc "Xeon C6P and C6SP Idle States"), so while the waker works, on this socket or the other, the
        // waiter's CPU leaves core C6 only: 92 us (intel_idle's CC6/PC0 figure, Linux commit
        // 64233338) instead of the declared 133 us of package C6
        long samePackage = wokenBy(new Topology(1, 2, 1, 1L << 30));
        long otherPackage = wokenBy(new Topology(2, 1, 1, 1L << 30));
        assertThat(samePackage).isEqualTo(10_000_000 + 92_000);
        assertThat(otherPackage).isEqualTo(samePackage);
    }

    @Test
    void aCpuWokenWhenTheWholeMachineSleptPaysPackageC6() {
        // nothing else runs: the machine may be in package C6 and the sleeper's timer wake-up pays
        // the declared 133 us; a hog on the other socket keeps the machine out of PC6: 92 us
        MachineSpec twoSockets = new MachineSpec("pkg", new Topology(2, 1, 1, 1L << 30),
                new MemoryBandwidth(10e9, 10e9), RuntimeCosts.FREE, SKX_PC0);
        assertThat(wokenAfterSleep(twoSockets, -1)).isEqualTo(10_000_000 + 133_000);
        assertThat(wokenAfterSleep(twoSockets, 1)).isEqualTo(10_000_000 + 92_000);
    }

    @Test
    void aCpuWhoseOtherHardwareThreadRunsHasNoCoreStateToLeave() {
        // SMT: the core takes the shallowest of its threads' requests (Intel's pepc doc "Xeon C6P and
        // C6SP Idle States"). One core, two threads: with a hog on CPU 1, CPU 0's C6 request leaves
        // the core in C0, so the sleeper runs at its timer; a hog on the other core's thread
        // (CPU 1 of a two-core machine) keeps only the package awake: core C6's 92 us
        MachineSpec oneCoreTwoThreads = new MachineSpec("smt", new Topology(1, 1, 2, 1L << 30),
                new MemoryBandwidth(10e9, 10e9), RuntimeCosts.FREE, SKX_PC0);
        MachineSpec twoCores = new MachineSpec("cores", new Topology(1, 2, 1, 1L << 30),
                new MemoryBandwidth(10e9, 10e9), RuntimeCosts.FREE, SKX_PC0);
        assertThat(wokenAfterSleep(oneCoreTwoThreads, 1)).isEqualTo(10_000_000);
        assertThat(wokenAfterSleep(twoCores, 1)).isEqualTo(10_000_000 + 92_000);
    }

    @Test
    void aTaskWokenOnABusyCpuPaysNoExitLatency() {
        // the hog keeps the CPU out of idle, so the sleeper wakes exactly as on a polling machine
        long bare = wokenAfterSleep(CpuIdleDriver.POLL_ONLY, true);
        long skx = wokenAfterSleep(SKX, true);
        assertThat(skx).isEqualTo(bare);
    }
}
