package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void twoTasksShareOneCpu() {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 1));
        Task a = k.spawn(TaskSpec.kthread("a"), () -> {
            for (int i = 0; i < 1000; i++) {
                k.current();
                k.work(100_000);
            }
        });
        Task b = k.spawn(TaskSpec.kthread("b"), () -> {
            for (int i = 0; i < 1000; i++) {
                k.work(100_000);
            }
        });
        RunStats s = k.run();
        System.out.println(s.endTimeNs() + " " + s.events() + " " + a.sumExecRuntime() + " " + b.sumExecRuntime());
        assertThat(s.endTimeNs()).isEqualTo(200_000_000L);
    }
}
