package org.kemu.padatacore.bench;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.padatacore.PadataSizing;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * A memory-proportional job on the hosted backend: zeroing a large off-heap buffer (a 1 GiB direct ByteBuffer; MemorySegment is preview under --release 21) in 1 MiB units,
 * through padata (kthread helpers created per job, chunks from the shared cursor under the job's
 * spinlock) against a ForkJoinPool parallel loop over exactly the same chunks. Throughput ratio =
 * forkJoin time / padata time.
 *
 * <p>Run from the repository root: {@code bin/bench padata-core PadataZeroing} (JMH options may
 * follow, e.g. {@code -f 2 -i 10}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class PadataZeroingBenchmark {
    static final long UNIT = 1L << 20;

    @Param({"1024"})
    public int units;

    private static final byte[] ZERO_UNIT = new byte[(int) UNIT];

    private ByteBuffer buffer;
    private int threads;
    private List<long[]> chunks;
    private ForkJoinPool pool;
    private PadataFeatures features;

    @Setup(Level.Trial)
    public void setUp() {
        threads = Runtime.getRuntime().availableProcessors();
        buffer = ByteBuffer.allocateDirect(Math.toIntExact(units * UNIT));
        PadataSizing.Plan plan = PadataSizing.plan(PadataSizing.Variant.CURRENT, units, 1, 1, threads);
        chunks = PadataSizing.chunks(0, units, plan);
        pool = new ForkJoinPool(threads);
        // the series without the cgroup parts, whose controller is not part of the hosted backend yet
        features = PadataFeatures.rfc2022().withCapCfsBandwidth(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdown();
        buffer = null;
    }

    private void zero(long start, long end) {
        // absolute bulk puts: no shared position, so threads may zero disjoint ranges at once
        for (long u = start; u < end; u++) {
            buffer.put((int) (u * UNIT), ZERO_UNIT, 0, ZERO_UNIT.length);
        }
    }

    @Benchmark
    public int padata() {
        Kernel k = Kernels.hosted(KernelConfig.of(MachineSpec.simple(threads), 1));
        Padata padata = new DefaultPadataFactory(features, PadataCosts.FREE).forKernel(k);
        int[] ret = new int[1];
        k.spawn(TaskSpec.user("bench", 1), () -> ret[0] = padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
            zero(s, e);
            k.work(0, 0, (e - s) * UNIT);
            return 0;
        }).size(units).minChunk(1).maxThreads(threads).build()));
        k.run();
        return ret[0];
    }

    @Benchmark
    public int forkJoin() {
        pool.submit(() -> chunks.parallelStream().forEach(c -> zero(c[0], c[1]))).join();
        return chunks.size();
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(PadataZeroingBenchmark.class.getSimpleName()).build()).run();
    }
}
