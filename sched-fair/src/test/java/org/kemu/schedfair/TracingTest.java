package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trace stream of a simulated run: per-CPU slices are consistent with the CPUs' busy time. */
class TracingTest {
    private static final long MS = 1_000_000L;

    @Test
    void cpuSlicesNeverOverlapAndAddUpToBusyTime() {
        Kernel k = Kernels.simulated(KernelConfig.of(
                new MachineSpec("t", new Topology(1, 3, 1, 1L << 30), new MemoryBandwidth(20e9, 8e9),
                        new RuntimeCosts(3_000, 0, 0, 0, 0)), 4));
        List<TraceEvent> events = new ArrayList<>();
        k.tracer().setSink(events::add);
        Mutex m = k.mutex("m");
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("20000 100000");
        for (int i = 0; i < 6; i++) {
            Task t = k.spawn(TaskSpec.user("w" + i, 1 + i), () -> {
                for (int j = 0; j < 20; j++) {
                    k.work(2 * MS, 0, j % 3 == 0 ? 1 << 22 : 0);
                    m.lock();
                    k.work(MS / 2);
                    m.unlock();
                    k.sleep(MS);
                }
            });
            if (i % 2 == 0) {
                cc.attach(t, g);
            }
        }
        RunStats s = k.run();
        for (int cpu = 0; cpu < 3; cpu++) {
            int c = cpu;
            List<TraceEvent.CpuSlice> slices = events.stream()
                    .filter(e -> e instanceof TraceEvent.CpuSlice cs && cs.cpu() == c)
                    .map(e -> (TraceEvent.CpuSlice) e)
                    .sorted(Comparator.comparingLong(TraceEvent.CpuSlice::start)).toList();
            long sum = 0;
            for (int i = 0; i < slices.size(); i++) {
                TraceEvent.CpuSlice sl = slices.get(i);
                assertThat(sl.end()).isGreaterThan(sl.start());
                if (i > 0) {
                    assertThat(sl.start()).isGreaterThanOrEqualTo(slices.get(i - 1).end());
                }
                sum += sl.end() - sl.start();
            }
            assertThat(sum).as("cpu %d", cpu).isEqualTo(s.cpuBusyNs()[cpu]);
        }
        assertThat(events).anyMatch(e -> e instanceof TraceEvent.LockWait lw && lw.lock().equals("m"));
        assertThat(events).anyMatch(e -> e instanceof TraceEvent.Throttled th && th.cgroup().equals("/g"));
        assertThat(events).anyMatch(e -> e instanceof TraceEvent.TaskStateSpan ts && ts.state().equals("blocked"));
        assertThat(events).anyMatch(e -> e instanceof TraceEvent.Counter c && c.name().startsWith("mem_bw"));
    }

    @Test
    void tracingDoesNotChangeTheRun() {
        long[] hashes = new long[2];
        for (int i = 0; i < 2; i++) {
            Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(2), 1));
            if (i == 1) {
                k.tracer().setSink(e -> { });
            }
            for (int j = 0; j < 4; j++) {
                k.spawn(TaskSpec.kthread("t" + j), () -> {
                    for (int n = 0; n < 50; n++) {
                        k.work(100_000);
                        k.sleep(10_000);
                    }
                });
            }
            hashes[i] = k.run().eventHash();
        }
        assertThat(hashes[1]).isEqualTo(hashes[0]);
    }
}
