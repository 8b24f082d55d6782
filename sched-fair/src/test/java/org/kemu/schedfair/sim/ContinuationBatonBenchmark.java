package org.kemu.schedfair.sim;

import java.util.concurrent.TimeUnit;
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
 * The hand-off floor of the continuation carrier (issue 15), beside {@code MinimalBatonBenchmark}'s
 * virtual-thread floor: two continuations mounted in turn by one loop, each yielding at once, with
 * nothing else (no clock, no queue). One yield and one mount is one hand-off of a perfect engine on
 * this carrier. Needs bin/bench (which passes the jdk.internal.vm export).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ContinuationBatonBenchmark {
    static final int HANDOFFS = 20_000;

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OperationsPerInvocation(HANDOFFS)
    public int pingPong() {
        Object[] c = new Object[2];
        for (int i = 0; i < 2; i++) {
            c[i] = Continuations.create(() -> {
                for (int j = 0; j < HANDOFFS / 2; j++) {
                    Continuations.yieldNow();
                }
            });
        }
        int turn = 0;
        int mounts = 0;
        while (!Continuations.isDone(c[0]) || !Continuations.isDone(c[1])) {
            if (!Continuations.isDone(c[turn])) {
                Continuations.run(c[turn]);
                mounts++;
            }
            turn ^= 1;
        }
        return mounts;
    }
}
