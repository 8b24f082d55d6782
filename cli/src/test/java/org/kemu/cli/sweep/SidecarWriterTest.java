package org.kemu.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar written run by run is a complete document after every run and, finished, the one-go bytes. */
class SidecarWriterTest {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @TempDir
    Path dir;

    private static Map<String, Object> header() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("kind", "sweep");
        h.put("matrix", Map.of("mems", List.of("1G", "2G")));
        return h;
    }

    private static Map<String, Object> run(int i) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("pin_seconds", 0.5 * i);
        r.put("run", Map.of("events", i, "lists", List.of(1, 2, i)));
        return r;
    }

    private static String oneGo(List<Map<String, Object>> runs) throws Exception {
        Map<String, Object> d = header();
        d.put("runs", runs);
        return JSON.writeValueAsString(d) + "\n";
    }

    @Test
    void everyPrefixIsTheDocumentOfTheRunsSoFar() throws Exception {
        for (int n : new int[] {0, 1, 3}) {
            Path f = dir.resolve("side" + n + ".json");
            List<Map<String, Object>> runs = new ArrayList<>();
            try (SidecarWriter w = new SidecarWriter(f, JSON, header())) {
                assertThat(Files.readString(f)).isEqualTo(oneGo(runs));
                for (int i = 0; i < n; i++) {
                    runs.add(run(i));
                    w.add(run(i));
                    assertThat(Files.readString(f)).isEqualTo(oneGo(runs));
                }
            }
            assertThat(Files.readString(f)).isEqualTo(oneGo(runs));
        }
    }
}
