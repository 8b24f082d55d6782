package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every JSON document kemu prints or writes carries {@code "schema": "kemu-result/1"} and its
 * {@code kind}, and docs/results.md names every field any of them has, so the documentation of the
 * results and the code cannot drift apart.
 */
class ResultsSchemaTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Objects whose keys are names from the run (a lock, a task, a cgroup, a page size, a parameter), not fields. */
    static final Set<String> KEYED_BY_NAME = Set.of("lock_wait_seconds_by_lock", "lock_wait_ns_histograms",
            "task_cpu_ns", "cgroup_cpu_stat", "mapped_ptes_by_page_size", "params", "contiguous_runs_by_pages",
            "ptes_by_page_size", "cpu_seconds_by_cpu", "cpu_seconds_by_node",
            "pages_pinned_by_node");
    static final Map<String, JsonNode> DOCUMENTS = new LinkedHashMap<>();

    @TempDir
    static Path dir;

    static JsonNode cli(String... args) throws Exception {
        CapturedRun r = CapturedRun.of(args);
        assertThat(r.rc()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    @BeforeAll
    static void emitEveryKind() throws Exception {
        DOCUMENTS.put("guest-init", cli("guest-init", "--mem", "2G", "--padata-threads", "2", "--format", "json"));
        DOCUMENTS.put("compare", cli("compare", "--mem", "2G", "--padata-threads", "2", "--format", "json"));
        DOCUMENTS.put("run", cli("run", "hugetlb-fallocate", "--length", "1G", "--pool-per-node", "1G", "--format", "json"));
        DOCUMENTS.put("profiles", cli("profiles", "--format", "json"));
        Path csv = dir.resolve("s.csv");
        JsonNode sweep = cli("sweep", "--mems", "2G", "--padata-threads", "0,2", "--out", csv.toString(), "--format", "json");
        assertThat(sweep).isEqualTo(JSON.readTree(Files.readString(Path.of(csv + ".json"))));
        DOCUMENTS.put("sweep", sweep);
        for (int i = 0; i < 2; i++) {
            assertThat(CapturedRun.of("sweep", "--mems", "2G", "--padata-threads", "0,2", "--shard", i + "/2", "--out",
                    dir.resolve("part" + i + ".csv").toString()).rc()).isZero();
        }
        Path merged = dir.resolve("merged.csv");
        assertThat(CapturedRun.of("sweep", "merge", dir.resolve("part0.csv").toString(),
                dir.resolve("part1.csv").toString(), "-o", merged.toString()).rc()).isZero();
        DOCUMENTS.put("sweep merged", JSON.readTree(Files.readString(Path.of(merged + ".json"))));
        // bench and calibrate emulate the 30 calibration cells (minutes): their documents come from the
        // same column lists the commands print, with one row of every field
        DOCUMENTS.put("bench", JSON.valueToTree(BenchCommand.table().row(new Object[18]).json()));
        DOCUMENTS.put("calibrate", JSON.valueToTree(CalibrateCommand.table().row(new Object[15]).json()));
    }

    @Test
    void everyDocumentCarriesTheSchemaAndItsKind() {
        DOCUMENTS.forEach((kind, doc) -> {
            assertThat(doc.path("schema").asText()).as(kind).isEqualTo(Results.SCHEMA).isEqualTo("kemu-result/1");
            assertThat(doc.path("kind").asText()).as(kind).isEqualTo(kind.split(" ")[0]);
            assertThat(doc.path("kemu_version").isTextual()).as(kind).isTrue();
            Iterator<String> first = doc.fieldNames();
            assertThat(first.next()).as(kind + ": schema comes first").isEqualTo("schema");
        });
    }

    @Test
    void docsResultsNamesEveryKindAndEveryFieldEmitted() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "results.md"));
        Set<String> missing = new TreeSet<>();
        DOCUMENTS.forEach((kind, d) -> {
            if (!doc.contains("`" + kind.split(" ")[0] + "`")) {
                missing.add("kind " + kind);
            }
            Set<String> fields = new TreeSet<>();
            fields(kind, "", d, fields);
            for (String f : fields) {
                // named alone (`note`) or as the last part of its path (`breakdown.note`, `rows[].cpus`)
                if (!doc.contains("`" + f + "`") && !doc.contains("." + f + "`")) {
                    missing.add(kind + ": " + f);
                }
            }
        });
        assertThat(missing).as("fields emitted but not named in docs/results.md").isEmpty();
    }

    /** The field names of {@code n} and everything in it, skipping the keys of objects keyed by name. */
    static void fields(String kind, String path, JsonNode n, Set<String> into) {
        if (n.isArray()) {
            n.forEach(e -> fields(kind, path + "[]", e, into));
        } else if (n.isObject()) {
            boolean byName = KEYED_BY_NAME.stream().anyMatch(k -> path.endsWith("/" + k))
                    // a plugin's metrics are the plugin's own names
                    || kind.equals("run") && path.equals("/metrics");
            n.fields().forEachRemaining(e -> {
                if (!byName) {
                    into.add(e.getKey());
                }
                fields(kind, path + "/" + (byName ? "*" : e.getKey()), e.getValue(), into);
            });
        }
    }
}
