package org.kemu.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.TaskSpec;

/**
 * Issue 13's "done when": on every published profile two CPU hogs sharing one CPU finish 2 s of
 * work in at most 2.01 s of virtual time. A preemption (scheduler_tick -> check_preempt_tick /
 * update_deadline, then __schedule's context_switch) costs a context switch only; the CPU never goes
 * idle, so no cpuidle exit latency is paid (cpuidle_idle_call runs only from do_idle).
 */
class TwoHogsOneCpuTest {
    @ParameterizedTest
    @ValueSource(strings = {"intel-8167m", "amd-7j13"})
    void twoHogsOnOneCpuLoseAtMostHalfAPercentToSwitching(String profile) {
        Kernel k = Kernels.simulated(KernelConfig.of(Profiles.builtIn(profile).machineSpec(), 1));
        for (int i = 0; i < 2; i++) {
            k.spawn(TaskSpec.kthread("hog" + i).withAffinity(CpuMask.of(0)), () -> {
                for (int j = 0; j < 1000; j++) {
                    k.work(1_000_000);
                }
            });
        }
        k.run();
        assertThat(k.now()).isGreaterThanOrEqualTo(2_000_000_000L).isLessThanOrEqualTo(2_010_000_000L);
    }
}
