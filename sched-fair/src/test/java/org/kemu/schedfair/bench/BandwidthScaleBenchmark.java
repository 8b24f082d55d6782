package org.kemu.schedfair.bench;

import java.util.concurrent.TimeUnit;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.SyntheticLoads;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Topology;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fast bandwidth-controlled experiments run: 256 simulated CPUs (2 nodes x 64 cores x 2 SMT,
 * the amd-7j13 shape), each with a hog in one group limited to 128 CPUs, for 1 simulated second
 * (256 simulated CPU-seconds of hogs, half of them throttled). Score = wall seconds per run;
 * simulated CPU-seconds per wall-second = 256 / score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class BandwidthScaleBenchmark {
    private static final long MS = 1_000_000L;

    @Benchmark
    public long hogs256UnderBandwidthControl() {
        Topology topo = new Topology(2, 64, 2, 1L << 30);
        MachineSpec m = new MachineSpec("amd-7j13-shape", topo, MachineSpec.simple(1).bandwidth(),
                MachineSpec.simple(1).costs());
        Kernel k = Kernels.simulated(KernelConfig.of(m, 1));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "vm");
        g.writeCpuMax("12800000 100000");
        for (int i = 0; i < 256; i++) {
            cc.attach(SyntheticLoads.cpuHog(k, TaskSpec.user("hog" + i, 1), 500 * MS), g);
        }
        return k.run().events();
    }
}
