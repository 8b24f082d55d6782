package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine's next CPU is the least (next event time, CPU id) over every CPU, idle ones at
 * Long.MAX_VALUE included (docs/design.md: ties break by CPU id): the heap, which keeps idle CPUs
 * out, must agree with a scan of all of them after any sequence of updates.
 */
class CpuEventHeapTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 64, 256})
    void theMinimumIsTheLeastKeyThenIdOverEveryCpu(int n) {
        CpuEventHeap heap = new CpuEventHeap(n);
        long[] keys = new long[n];
        java.util.Arrays.fill(keys, Long.MAX_VALUE);
        SplittableRandom rnd = new SplittableRandom(42 + n);
        assertThat(heap.minCpu()).isZero();
        assertThat(heap.minKey()).isEqualTo(Long.MAX_VALUE);
        for (int step = 0; step < 20_000; step++) {
            int cpu = rnd.nextInt(n);
            // few distinct times, so ties between CPUs are common; a third of updates make a CPU idle
            long k = rnd.nextInt(3) == 0 ? Long.MAX_VALUE : rnd.nextInt(20);
            heap.update(cpu, k);
            keys[cpu] = k;
            int best = 0;
            for (int c = 1; c < n; c++) {
                if (keys[c] < keys[best]) {
                    best = c;
                }
            }
            assertThat(heap.minCpu()).as("step %d", step).isEqualTo(best);
            assertThat(heap.minKey()).isEqualTo(keys[best]);
            assertThat(heap.key(cpu)).isEqualTo(k);
        }
    }
}
