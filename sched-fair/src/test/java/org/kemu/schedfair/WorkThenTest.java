package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Kernel#work(long, int, long, LongSupplier)}: a streaming work item followed by CPU work whose
 * amount is read when the first ends. The simulated backend settles the second item without resuming
 * the task (issue 15: no hand-off where no task code must run), so the run must be the same, event for
 * event, as the task asking for the two items itself: the same end time, the same event count and the
 * same event hash, also when what the second amount reads is changed by other tasks meanwhile.
 */
class WorkThenTest {
    private static final double NODE = 40e9;
    private static final double CORE = 12e9;

    private static Kernel kernel(int cpusPerNode, long seed) {
        return Kernels.simulated(KernelConfig.of(new MachineSpec("bw", new Topology(2, cpusPerNode, 1, 1L << 30),
                new MemoryBandwidth(NODE, CORE), RuntimeCosts.FREE), seed));
    }

    /**
     * Streamers on one node that each leave "interrupt time" pending for the others, as TLB shootdowns
     * do; each pays what is pending for it after its clearing. {@code fused} asks for both items in one
     * call, otherwise the task reads the pending time itself between two calls.
     */
    private static RunStats world(boolean fused, long seed, List<String> log) {
        Kernel k = kernel(4, seed);
        long[] pending = new long[8];
        Mutex m = k.mutex("zone");
        for (int i = 0; i < 6; i++) {
            int id = i;
            k.spawn(TaskSpec.user("s" + i, 1), () -> {
                RandomGenerator r = k.random("s" + id);
                LongSupplier after = () -> {
                    long ns = 3_000 + pending[id];
                    pending[id] = 0;
                    return ns;
                };
                for (int j = 0; j < 60; j++) {
                    long bytes = (1 + r.nextInt(64)) * 4096L;
                    long cpu = bytes / 8;
                    if (fused) {
                        k.work(cpu, 0, bytes, after);
                    } else {
                        k.work(cpu, 0, bytes);
                        k.work(after.getAsLong());
                    }
                    for (int o = 0; o < pending.length; o++) {
                        if (o != id) {
                            pending[o] += 200;
                        }
                    }
                    if (r.nextInt(3) == 0) {
                        m.lock();
                        k.work(1_000 + r.nextInt(4_000));
                        m.unlock();
                    }
                }
                log.add(id + "@" + k.now());
            });
        }
        return k.run();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void fusedItemsRunEventForEventAsTwoCalls(long seed) {
        List<String> two = new ArrayList<>();
        List<String> one = new ArrayList<>();
        RunStats a = world(false, seed, two);
        RunStats b = world(true, seed, one);
        assertThat(b.endTimeNs()).isEqualTo(a.endTimeNs());
        assertThat(b.events()).isEqualTo(a.events());
        assertThat(b.eventHash()).isEqualTo(a.eventHash());
        assertThat(b.cpuBusyNs()).containsExactly(a.cpuBusyNs());
        assertThat(one).containsExactlyElementsOf(two);
    }

    @Test
    void theSecondAmountIsReadWhenTheFirstItemEnds() {
        Kernel k = kernel(2, 1);
        long[] readAt = {-1};
        long[] end = {-1};
        long bytes = 12_000_000; // 1 ms alone at the per-core ceiling
        k.spawn(TaskSpec.kthread("s"), () -> {
            k.work(1, 0, bytes, () -> {
                readAt[0] = k.now();
                return 500_000;
            });
            end[0] = k.now();
        });
        k.run();
        assertThat(readAt[0]).isEqualTo(1_000_000);
        assertThat(end[0]).isEqualTo(1_500_000);
    }

    @Test
    void aZeroSecondAmountResumesTheTaskAtOnce() {
        Kernel k = kernel(2, 1);
        long[] end = {-1};
        k.spawn(TaskSpec.kthread("s"), () -> {
            k.work(1, 0, 12_000_000, () -> 0);
            end[0] = k.now();
            // with an empty first item the second is all there is
            k.work(0, 0, 0, () -> 250);
        });
        RunStats s = k.run();
        assertThat(end[0]).isEqualTo(1_000_000);
        assertThat(s.endTimeNs()).isEqualTo(1_000_250);
    }

    @ParameterizedTest(name = "simulated {0}")
    @ValueSource(booleans = {true, false})
    void aNegativeSecondAmountIsEinvalInTheTask(boolean simulated) {
        Kernel k = simulated ? kernel(2, 1) : Kernels.hosted(KernelConfig.of(MachineSpec.simple(2), 1));
        KernelException[] seen = new KernelException[1];
        long[] after = {-1};
        k.spawn(TaskSpec.kthread("s"), () -> {
            seen[0] = catchThrowableOfType(KernelException.class, () -> k.work(10, 0, 4096, () -> -5));
            after[0] = k.now();
        });
        k.run();
        assertThat(seen[0]).isNotNull();
        assertThat(seen[0].errno()).isEqualTo(Errno.EINVAL);
        assertThat(seen[0].check()).isEqualTo("work:negative");
        if (simulated) {
            // the first item was done; the rejected second one cost nothing
            assertThat(after[0]).isPositive();
        }
    }

    @Test
    void theHostedBackendDoesBothItems() {
        Kernel k = Kernels.hosted(KernelConfig.of(MachineSpec.simple(2), 1));
        long[] calls = {0};
        Task t = k.spawn(TaskSpec.kthread("s"), () -> k.work(1_000, 0, 8192, () -> {
            calls[0]++;
            return 2_000;
        }));
        k.run();
        assertThat(calls[0]).isEqualTo(1);
        assertThat(t.bytesMoved()).isEqualTo(8192);
    }

    /** Kernel#cpuCurrGeneration: changes exactly when some CPU's cpu_curr may have; -1 hosted. */
    @Test
    void currGenerationChangesWithCpuCurr() {
        Kernel k = kernel(2, 1);
        long[] g = new long[4];
        Completion go = k.completion("go");
        k.spawn(TaskSpec.kthread("a").withAffinity(CpuMask.of(0)), () -> {
            g[0] = k.cpuCurrGeneration();
            k.work(1_000);
            // nothing else ran meanwhile: the same tasks on the same CPUs
            g[1] = k.cpuCurrGeneration();
            go.waitForCompletion();
            g[2] = k.cpuCurrGeneration();
        });
        k.spawn(TaskSpec.kthread("b").withAffinity(CpuMask.of(1)), () -> {
            k.work(5_000);
            go.complete();
        });
        k.run();
        assertThat(g[1]).isEqualTo(g[0]);
        // "a" slept and woke, "b" exited: CPU curr changed
        assertThat(g[2]).isNotEqualTo(g[1]);
        assertThat(Kernels.hosted(KernelConfig.of(MachineSpec.simple(2), 1)).cpuCurrGeneration()).isEqualTo(-1);
    }
}
