package org.kemu.cli;

import java.util.List;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --trace} and the per-run metrics of the CLI. */
class TracedCliTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    @TempDir
    Path dir;

    static String run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int rc = KemuCli.execute(new PrintWriter(o), new PrintWriter(e), args);
        assertThat(rc).as(e.toString()).isZero();
        return o.toString();
    }

    @Test
    void guestInitTraceHasCpuTaskPadataAndLockedVmTracks() throws Exception {
        Path f = dir.resolve("t.json");
        run("guest-init", "--mem", "2G", "--padata-threads", "4", "--trace", f.toString());
        JsonNode events = JSON.readTree(f.toFile()).get("traceEvents");
        // the chosen kernel and the serial baseline: two processes
        assertThat(events).filteredOn(e -> e.get("name").asText().equals("process_name")).hasSize(2);
        assertThat(events).anyMatch(e -> e.path("cat").asText().equals("padata") && e.get("args").has("start"));
        assertThat(events).anyMatch(e -> e.get("ph").asText().equals("C")
                && e.get("name").asText().equals("locked_vm.qemu"));
        assertThat(events).anyMatch(e -> e.path("cat").asText().equals("cpu"));
    }

    @Test
    void jsonOutputCarriesMetrics() throws Exception {
        JsonNode m = JSON.readTree(run("guest-init", "--mem", "2G", "--padata-threads", "4",
                "--format", "json")).get("metrics");
        assertThat(m).isNotNull();
        assertThat(m.get("task_cpu_ns").get("qemu/1").asLong()).isPositive();
        assertThat(m.get("cgroup_cpu_stat").has("/")).isTrue();
        // guest RAM is 2 MiB hugetlb pages: the IOMMU maps it with 2M (or larger) PTEs
        JsonNode byPage = m.get("iommu").get(0).get("mapped_ptes_by_page_size");
        assertThat(byPage.path("2M").asLong() + byPage.path("1G").asLong()).isPositive();
        assertThat(m.get("lock_wait_ns_histograms").isObject()).isTrue();
        m.get("lock_wait_ns_histograms").forEach(h -> assertThat(h.get("count").asLong()).isPositive());
        // every bucket lists its fields in one order: same cell, same JSON bytes in every JVM (Map.of's
        // order depends on a per-JVM salt, so this failed in about half of the JVMs before)
        m.get("lock_wait_ns_histograms").forEach(h -> h.get("buckets").forEach(b -> {
            List<String> names = new java.util.ArrayList<>();
            b.fieldNames().forEachRemaining(names::add);
            assertThat(names).containsExactly("le_ns", "count");
        }));
    }
}
