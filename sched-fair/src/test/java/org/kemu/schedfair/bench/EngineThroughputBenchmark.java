package org.kemu.schedfair.bench;

import java.util.concurrent.TimeUnit;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine throughput: 16 tasks on 16 simulated CPUs each doing a stream of work items of slightly
 * different lengths, so the earliest CPU changes at almost every event. Score = work events per
 * second of wall time (target: at least 1 million).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineThroughputBenchmark {
    static final int WORK_ITEMS_PER_TASK = 5_000;

    @Param({"16"})
    public int tasks;

    @Benchmark
    @OperationsPerInvocation(16 * WORK_ITEMS_PER_TASK)
    public long workEvents() {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(tasks), 1));
        for (int i = 0; i < tasks; i++) {
            long len = 10_000 + 37L * i;
            k.spawn(TaskSpec.kthread("w" + i), () -> {
                for (int j = 0; j < WORK_ITEMS_PER_TASK; j++) {
                    k.work(len);
                }
            });
        }
        return k.run().events();
    }
}
