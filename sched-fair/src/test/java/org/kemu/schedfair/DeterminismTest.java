package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** docs/design.md section 2: a run is a pure function of its inputs and one seed. */
class DeterminismTest {

    /** A busy little world: tasks with random work, a mutex, a completion and sleeps. */
    private static RunStats scenario(long seed) {
        Kernel k = Kernels.simulated(KernelConfig.of(
                new MachineSpec("t", new Topology(2, 2, 2, 1L << 30), new MemoryBandwidth(20e9, 8e9),
                        new RuntimeCosts(2_000, 50, 100, 300, 20_000)), seed));
        Mutex m = k.mutex("m");
        Completion done = k.completion("done");
        for (int i = 0; i < 12; i++) {
            int id = i;
            k.spawn(TaskSpec.kthread("w" + i).withNice(i % 5), () -> {
                RandomGenerator r = k.random("worker-" + id);
                for (int j = 0; j < 50; j++) {
                    k.work(10_000 + r.nextInt(100_000), id % 2, r.nextInt(3) == 0 ? 1 << 20 : 0);
                    m.lock();
                    k.work(1_000 + r.nextInt(5_000));
                    m.unlock();
                    if (r.nextInt(10) == 0) {
                        k.sleep(r.nextInt(50_000) + 1);
                    }
                }
                done.complete();
            });
        }
        k.spawn(TaskSpec.kthread("waiter"), () -> {
            for (int i = 0; i < 12; i++) {
                done.waitForCompletion();
            }
        });
        return k.run();
    }

    @Test
    void sameInputsAndSeedGiveTheSameEventSequence() {
        RunStats a = scenario(7);
        RunStats b = scenario(7);
        assertThat(a.events()).isGreaterThan(1000);
        assertThat(b.eventHash()).isEqualTo(a.eventHash());
        assertThat(b.endTimeNs()).isEqualTo(a.endTimeNs());
        assertThat(b.cpuBusyNs()).containsExactly(a.cpuBusyNs());
    }

    @Test
    void anotherSeedGivesAnotherRun() {
        assertThat(scenario(8).eventHash()).isNotEqualTo(scenario(7).eventHash());
    }

    @Test
    void componentStreamsDependOnSeedAndNameOnly() {
        Kernel a = Backends.sim(1);
        Kernel b = Backends.sim(1);
        b.random("other").nextLong();
        assertThat(a.random("x").nextLong()).isEqualTo(b.random("x").nextLong());
        assertThat(a.random("x").nextLong()).isNotEqualTo(a.random("y").nextLong());
    }
}
