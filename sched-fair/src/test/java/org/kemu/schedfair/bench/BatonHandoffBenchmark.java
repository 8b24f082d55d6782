package org.kemu.schedfair.bench;

import java.util.concurrent.TimeUnit;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.TaskSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of handing the baton from one simulated task to another. Two tasks on two CPUs alternate
 * 1 µs work items with equal clocks, so every event resumes the other task's virtual thread: one
 * hand-off per work call. Score = wall ns per hand-off (target: well under 1 µs).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BatonHandoffBenchmark {
    static final int HANDOFFS = 20_000;

    @Benchmark
    @OperationsPerInvocation(HANDOFFS)
    public long pingPong() {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(2), 1));
        for (int i = 0; i < 2; i++) {
            k.spawn(TaskSpec.kthread("p" + i), () -> {
                for (int j = 0; j < HANDOFFS / 2; j++) {
                    k.work(1_000);
                }
            });
        }
        RunStats s = k.run();
        return s.eventHash();
    }
}
