package org.kemu.schedfair.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * The floor the engine's hand-off is judged against (issue 15): two virtual threads passing a
 * volatile baton with park/unpark and nothing else, no clock, no queue, no scheduler. Run it in the
 * same JMH run as {@link BatonHandoffBenchmark} (ns per hand-off) and {@link EngineThroughputBenchmark}
 * (events per second), e.g. {@code bin/bench sched-fair 'BatonHandoff|EngineThroughput|MinimalBaton'},
 * so that the ratios are measured under the same load: a hand-off here is one event of a perfect engine.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MinimalBatonBenchmark {
    static final int HANDOFFS = 20_000;

    private volatile int baton;

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OperationsPerInvocation(HANDOFFS)
    public int pingPong() throws InterruptedException {
        baton = 0;
        Thread[] th = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int me = i;
            th[i] = Thread.ofVirtual().unstarted(() -> {
                for (int j = 0; j < HANDOFFS / 2; j++) {
                    while (baton != me) {
                        LockSupport.park(this);
                    }
                    baton = 1 - me;
                    LockSupport.unpark(th[1 - me]);
                }
            });
        }
        th[0].start();
        th[1].start();
        th[0].join();
        th[1].join();
        return baton;
    }
}
