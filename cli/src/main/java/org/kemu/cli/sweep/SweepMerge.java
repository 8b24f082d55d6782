package org.kemu.cli.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Joins the outputs of {@code sweep --shard I/N} runs: the merged CSV has the unsharded sweep's header
 * and its rows in cell order, each row copied byte for byte from its shard; the merged sidecar has the
 * shared matrix and all runs in cell order. Refuses shards of different matrices, seeds or shard
 * counts, a missing or repeated shard, and a shard with the wrong number of rows.
 */
public final class SweepMerge {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SweepMerge() {
    }

    /** The sidecar of a sweep CSV. */
    public static Path sidecar(Path csv) {
        return Path.of(csv + ".json");
    }

    /** Merges {@code shards} (CSV files, each with its sidecar) into {@code out} and its sidecar; returns the cell count. */
    @SuppressWarnings("unchecked")
    public static long merge(List<Path> shards, Path out) throws IOException {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge");
        }
        String header = null;
        Map<String, Object> first = null;
        String[] rows = null;
        Object[] runs = null;
        boolean[] seen = null;
        int count = -1;
        for (Path csv : shards) {
            if (!Files.isRegularFile(csv)) {
                throw new IllegalArgumentException("shard " + csv + " not found");
            }
            if (!Files.isRegularFile(sidecar(csv))) {
                throw new IllegalArgumentException("sidecar " + sidecar(csv) + " of " + csv + " not found");
            }
            Map<String, Object> side = JSON.readValue(sidecar(csv).toFile(), Map.class);
            Map<String, Object> sh = (Map<String, Object>) side.get("shard");
            if (sh == null) {
                throw new IllegalArgumentException(sidecar(csv) + " has no shard record (not a sweep output?)");
            }
            Shard shard = new Shard(((Number) sh.get("index")).intValue(), ((Number) sh.get("count")).intValue());
            int cells = Math.toIntExact(((Number) sh.get("cells")).longValue());
            List<String> lines = Files.readAllLines(csv);
            List<Object> shardRuns = (List<Object>) side.get("runs");
            if (first == null) {
                first = side;
                header = lines.get(0);
                count = shard.count();
                rows = new String[cells];
                runs = new Object[cells];
                seen = new boolean[count];
            } else {
                require(Objects.equals(first.get("matrix"), side.get("matrix")), csv, "a different matrix");
                require(Objects.equals(first.get("seeds"), side.get("seeds")), csv, "different seeds");
                require(Objects.equals(first.get("kemu_version"), side.get("kemu_version")), csv, "another kemu version");
                require(shard.count() == count && cells == rows.length, csv, "a different shard count");
                require(header.equals(lines.get(0)), csv, "a different CSV header");
            }
            require(!seen[shard.index()], csv, "shard " + shard + " a second time");
            seen[shard.index()] = true;
            long n = shard.size(cells);
            require(lines.size() - 1 == n && shardRuns.size() == n, csv, (lines.size() - 1) + " rows, expected " + n);
            for (int k = 0; k < n; k++) {
                int cell = Math.toIntExact(shard.cellOf(k));
                rows[cell] = lines.get(k + 1);
                runs[cell] = shardRuns.get(k);
            }
        }
        for (int i = 0; i < count; i++) {
            if (!seen[i]) {
                throw new IllegalArgumentException("shard " + i + "/" + count + " is missing");
            }
        }
        List<String> merged = new ArrayList<>(rows.length + 1);
        merged.add(header);
        merged.addAll(Arrays.asList(rows));
        Files.write(out, merged);
        Map<String, Object> side = new LinkedHashMap<>(first);
        side.put("shard", Shard.ALL.describe(rows.length));
        side.put("merged_from", shards.stream().map(Path::toString).toList());
        side.put("runs", Arrays.asList(runs));
        Files.writeString(sidecar(out), JSON.writeValueAsString(side) + "\n");
        return rows.length;
    }

    private static void require(boolean ok, Path csv, String what) {
        if (!ok) {
            throw new IllegalArgumentException("cannot merge " + csv + ": " + what);
        }
    }
}
