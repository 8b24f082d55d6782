package org.kemu.lab.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Topology;

/** A small traced run written as Chrome trace-event JSON (format: the Trace Event Format document's JSON Object Format). */
class ChromeTraceWriterTest {
    private static final long MS = 1_000_000L;
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Test
    void smallRunIsValidTraceEventJsonWhoseCpuSlicesTileTheBusyTime() throws Exception {
        Kernel k = Kernels.simulated(KernelConfig.of(
                new MachineSpec("t", new Topology(1, 3, 1, 1L << 30), new MemoryBandwidth(20e9, 8e9),
                        new RuntimeCosts(3_000, 0, 0, 0, 0)), 4));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RunStats s;
        try (ChromeTraceWriter w = ChromeTraceWriter.to(bytes)) {
            k.tracer().setSink(w.process("small run"));
            Mutex m = k.mutex("m");
            CpuController cc = k.cpuController();
            CpuCgroup g = cc.mkdir(cc.root(), "g");
            g.writeCpuMax("20000 100000");
            for (int i = 0; i < 6; i++) {
                var t = k.spawn(TaskSpec.user("w" + i, 1 + i), () -> {
                    for (int j = 0; j < 20; j++) {
                        long start = k.now();
                        k.work(2 * MS, 0, j % 3 == 0 ? 1 << 22 : 0);
                        k.tracer().span("test", "step", start, java.util.Map.of("j", j));
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
            s = k.run();
        }
        JsonNode root = JSON.readTree(bytes.toByteArray());
        JsonNode events = root.get("traceEvents");
        assertThat(events.isArray()).isTrue();
        List<String> threadNames = new ArrayList<>();
        List<List<long[]>> perCpu = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            perCpu.add(new ArrayList<>());
        }
        for (JsonNode e : events) {
            assertThat(e.hasNonNull("name") && e.hasNonNull("ph") && e.hasNonNull("pid")).as(e.toString()).isTrue();
            switch (e.get("ph").asText()) {
                case "X" -> {
                    assertThat(e.has("ts") && e.has("dur") && e.has("tid") && e.has("cat")).as(e.toString()).isTrue();
                    assertThat(e.get("dur").decimalValue().signum()).isGreaterThanOrEqualTo(0);
                    if (e.get("cat").asText().equals("cpu")) {
                        long ts = ns(e.get("ts").decimalValue());
                        perCpu.get(e.get("tid").asInt()).add(new long[] {ts, ts + ns(e.get("dur").decimalValue())});
                    }
                }
                case "C" -> assertThat(e.get("args").get("value").isNumber()).isTrue();
                case "M" -> {
                    if (e.get("name").asText().equals("thread_name")) {
                        threadNames.add(e.get("args").get("name").asText());
                    }
                }
                default -> throw new AssertionError("unexpected phase " + e);
            }
        }
        for (int cpu = 0; cpu < 3; cpu++) {
            List<long[]> slices = new ArrayList<>(perCpu.get(cpu));
            slices.sort(Comparator.comparingLong(a -> a[0]));
            long sum = 0;
            for (int i = 0; i < slices.size(); i++) {
                if (i > 0) {
                    assertThat(slices.get(i)[0]).as("cpu %d slice %d", cpu, i).isGreaterThanOrEqualTo(slices.get(i - 1)[1]);
                }
                sum += slices.get(i)[1] - slices.get(i)[0];
            }
            assertThat(sum).as("cpu %d busy", cpu).isEqualTo(s.cpuBusyNs()[cpu]).isPositive();
        }
        assertThat(threadNames).contains("CPU 0", "CPU 1", "CPU 2", "w0 (1)").anyMatch(n -> n.startsWith("throttled /g"));
        assertThat(events).anyMatch(e -> e.get("cat") != null && e.get("cat").asText().equals("lock")
                && e.get("args").get("lock").asText().equals("m"));
        assertThat(events).anyMatch(e -> e.get("name").asText().startsWith("blocked"));
        assertThat(events).anyMatch(e -> e.get("name").asText().equals("step"));
        assertThat(events).anyMatch(e -> e.get("ph").asText().equals("C") && e.get("name").asText().startsWith("mem_bw"));
    }

    static long ns(BigDecimal micros) {
        return micros.movePointRight(3).longValueExact();
    }
}
