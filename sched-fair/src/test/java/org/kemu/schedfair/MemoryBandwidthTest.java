package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** docs/design.md section 2: k streamers on one node each get min(per-core ceiling, node bandwidth / k). */
class MemoryBandwidthTest {
    private static final double NODE = 40e9;
    private static final double CORE = 12e9;
    private static final long BYTES = 1L << 30;

    private static Kernel kernel(int cpus) {
        return Kernels.simulated(KernelConfig.of(new MachineSpec("bw", new Topology(2, cpus, 1, 1L << 30),
                new MemoryBandwidth(NODE, CORE), RuntimeCosts.FREE), 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 6, 8})
    void concurrentStreamersShareTheNode(int k) {
        Kernel kern = kernel(8);
        Task[] t = new Task[k];
        long[] end = new long[k];
        for (int i = 0; i < k; i++) {
            int id = i;
            t[i] = kern.spawn(TaskSpec.kthread("s" + i), () -> {
                kern.work(1, 0, BYTES);
                end[id] = kern.now();
            });
        }
        kern.run();
        double expectedNs = BYTES / (Math.min(CORE, NODE / k) / 1e9);
        for (int i = 0; i < k; i++) {
            assertThat((double) end[i]).isCloseTo(expectedNs, within(2.0));
            assertThat(t[i].bytesMoved()).isEqualTo(BYTES);
        }
    }

    @Test
    void otherNodesDoNotShare() {
        Kernel kern = kernel(8);
        long[] end = new long[2];
        // CPUs 0-7 are node 0, 8-15 node 1; stream once on each node.
        kern.spawn(TaskSpec.kthread("n0").withAffinity(CpuMask.of(0)), () -> {
            kern.work(1, 0, BYTES);
            end[0] = kern.now();
        });
        kern.spawn(TaskSpec.kthread("n1").withAffinity(CpuMask.of(8)), () -> {
            kern.work(1, 1, BYTES);
            end[1] = kern.now();
        });
        kern.run();
        double alone = BYTES / (CORE / 1e9);
        assertThat((double) end[0]).isCloseTo(alone, within(2.0));
        assertThat((double) end[1]).isCloseTo(alone, within(2.0));
    }

    @Test
    void workTakesTheLargerOfCpuAndMemoryTime() {
        Kernel kern = kernel(2);
        long[] end = new long[1];
        kern.spawn(TaskSpec.kthread("cpu-bound"), () -> {
            kern.work(1_000_000_000L, 0, 1_000_000);
            end[0] = kern.now();
        });
        kern.run();
        assertThat(end[0]).isEqualTo(1_000_000_000L);
    }

    @Test
    void aStreamerFinishingSpeedsUpTheOthers() {
        Kernel kern = kernel(8);
        long[] end = new long[2];
        // 4 streamers (10 GB/s each at 40/4) ; one has half the bytes and leaves early.
        for (int i = 0; i < 4; i++) {
            int id = i;
            kern.spawn(TaskSpec.kthread("s" + i), () -> {
                kern.work(1, 0, id == 0 ? BYTES / 2 : BYTES);
                if (id < 2) {
                    end[id] = kern.now();
                }
            });
        }
        kern.run();
        double first = (BYTES / 2) / (10e9 / 1e9);
        // then the other three share 40 GB/s -> 12 GB/s ceiling each for the remaining half
        double second = first + (BYTES / 2) / (CORE / 1e9);
        assertThat((double) end[0]).isCloseTo(first, within(2.0));
        assertThat((double) end[1]).isCloseTo(second, within(4.0));
    }

    /**
     * A streamer's slice ends where its own CPU time says, whatever other CPUs' streams do meanwhile.
     * Their starts and stops re-rate its stream without accounting its CPU (update_curr runs at a CPU's
     * own events, not at another task's), so the slice end must be planned from the CPU's last
     * accounting, not from the moment of the re-rate: the task sharing CPU 0 with the streamer starts
     * at the same time with or without a busy streamer on CPU 1.
     */
    @Test
    void otherCpusStreamsDoNotMoveASlicesEnd() {
        long[] withOthers = sliceEndOnCpu0(true);
        long[] alone = sliceEndOnCpu0(false);
        assertThat(withOthers[0]).isPositive().isEqualTo(alone[0]);
    }

    private static long[] sliceEndOnCpu0(boolean busyNeighbour) {
        Kernel kern = kernel(8);
        long[] out = {-1};
        kern.spawn(TaskSpec.user("streamer", 1).withAffinity(CpuMask.of(0)), () -> kern.work(200_000_000L, 0, BYTES));
        kern.spawn(TaskSpec.user("hog", 1).withAffinity(CpuMask.of(0)), () -> {
            out[0] = kern.now();
            kern.work(1_000_000);
        });
        kern.spawn(TaskSpec.kthread("neighbour").withAffinity(CpuMask.of(1)), () -> {
            for (int i = 0; i < 2_000; i++) {
                // 4 KiB streams: each start and stop changes node 0's streamer count
                kern.work(busyNeighbour ? 100 : 400, 0, busyNeighbour ? 4096 : 0);
                kern.work(300);
            }
        });
        kern.run();
        return out;
    }
}
