package org.kemu.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kemu.cli.KemuCli;

/** Shards of a sweep, merged, give the unsharded sweep. */
class ShardMergeTest {
    @TempDir
    Path dir;

    static final String[] MATRIX = {"sweep", "--mems", "1G,2G", "--padata-threads", "0,2", "--lock-cache-pages",
        "0,65536"};

    static void run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        assertThat(KemuCli.execute(new PrintWriter(o), new PrintWriter(e), args)).as(e.toString()).isZero();
    }

    static String[] with(String... more) {
        List<String> l = new ArrayList<>(List.of(MATRIX));
        l.addAll(List.of(more));
        return l.toArray(String[]::new);
    }


    /**
     * --seeds runs every cell once per seed, the seeds innermost, and the sidecar lists them; shards of
     * a sweep over other seeds do not merge with it.
     */
    @Test
    void aSweepOverSeedsRunsEveryCellPerSeed() throws Exception {
        Path two = dir.resolve("two.csv");
        run("sweep", "--mems", "1G", "--padata-threads", "0,2", "--seeds", "1,2", "--out", two.toString());
        List<String> lines = Files.readAllLines(two);
        assertThat(lines).hasSize(5);
        int seed = List.of(lines.get(0).split(",")).indexOf("seed");
        assertThat(lines.subList(1, 5)).extracting(l -> l.split(",")[seed]).containsExactly("1", "2", "1", "2");
        JsonNode side = new ObjectMapper().readTree(Path.of(two + ".json").toFile());
        assertThat(side.get("seeds").toString()).isEqualTo("[1,2]");
        assertThat(side.get("shard").get("cells").asInt()).isEqualTo(4);
        // a row is its own seed's run: the same as a one-seed sweep's
        Path one = dir.resolve("one.csv");
        run("sweep", "--mems", "1G", "--padata-threads", "0,2", "--seed", "2", "--out", one.toString());
        List<String> single = Files.readAllLines(one);
        assertThat(lines.get(2)).isEqualTo(single.get(1));
        assertThat(lines.get(4)).isEqualTo(single.get(2));
        // a repeated seed is one draw, run once (as repeated thread counts are)
        Path twice = dir.resolve("twice.csv");
        run("sweep", "--mems", "1G", "--padata-threads", "0,2", "--seeds", "2,2", "--out", twice.toString());
        assertThat(Files.readAllLines(twice)).isEqualTo(single);

        Path s0 = dir.resolve("s0.csv");
        Path s1 = dir.resolve("s1.csv");
        run("sweep", "--mems", "1G", "--padata-threads", "0,2", "--seeds", "1,2", "--shard", "0/2", "--out", s0.toString());
        run("sweep", "--mems", "1G", "--padata-threads", "0,2", "--seeds", "1,3", "--shard", "1/2", "--out", s1.toString());
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        assertThat(KemuCli.execute(new PrintWriter(o), new PrintWriter(e), "sweep", "merge", "-o",
                dir.resolve("m.csv").toString(), s0.toString(), s1.toString())).isNotZero();
        assertThat(e.toString()).contains("different seeds");
    }

    @Test
    void mergedShardsEqualTheUnshardedSweep() throws Exception {
        Path whole = dir.resolve("whole.csv");
        run(with("--out", whole.toString()));
        List<Path> shards = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path s = dir.resolve("shard" + i + ".csv");
            run(with("--shard", i + "/4", "--out", s.toString()));
            shards.add(s);
        }
        // 2 mems x (serial, padata 2 no cache, padata 2 cache) = 6 cells over 4 shards: 2,2,1,1
        assertThat(Files.readAllLines(shards.get(3))).hasSize(2);
        Path merged = dir.resolve("merged.csv");
        List<String> args = new ArrayList<>(List.of("sweep", "merge", "-o", merged.toString()));
        shards.reversed().forEach(p -> args.add(p.toString()));
        run(args.toArray(String[]::new));

        // issue 9: merging the shards gives exactly the unsharded sweep's CSV
        assertThat(Files.readAllBytes(merged)).isEqualTo(Files.readAllBytes(whole));
        assertThat(Files.readAllLines(merged)).hasSize(7);
        // and every merged row is its shard's row byte for byte
        List<String> mergedLines = Files.readAllLines(merged);
        for (int i = 0; i < 4; i++) {
            List<String> lines = Files.readAllLines(shards.get(i));
            for (int k = 1; k < lines.size(); k++) {
                assertThat(mergedLines.get(1 + i + (k - 1) * 4)).isEqualTo(lines.get(k));
            }
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(Path.of(whole + ".json").toFile());
        JsonNode b = json.readTree(Path.of(merged + ".json").toFile());
        assertThat(b.get("matrix")).isEqualTo(a.get("matrix"));
        assertThat(b.get("shard")).isEqualTo(a.get("shard"));
        assertThat(b.get("runs")).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(b.get("runs").get(i).get("run").get("event_hash"))
                    .isEqualTo(a.get("runs").get(i).get("run").get("event_hash"));
            assertThat(b.get("runs").get(i).get("metrics")).isNotNull();
        }
    }

    @Test
    void mergeRefusesAMissingShard() throws Exception {
        Path s0 = dir.resolve("s0.csv");
        run(with("--shard", "0/2", "--out", s0.toString()));
        assertThatThrownBy(() -> SweepMerge.merge(List.of(s0), dir.resolve("m.csv")))
                .hasMessageContaining("shard 1/2 is missing");
    }

    @Test
    void shardsPartitionTheCells() {
        for (int n = 1; n <= 5; n++) {
            for (long cells = 0; cells < 12; cells++) {
                long total = 0;
                for (int i = 0; i < n; i++) {
                    Shard s = new Shard(i, n);
                    long owned = 0;
                    for (long c = 0; c < cells; c++) {
                        owned += s.owns(c) ? 1 : 0;
                    }
                    assertThat(s.size(cells)).isEqualTo(owned);
                    total += owned;
                }
                assertThat(total).isEqualTo(cells);
            }
        }
        assertThatThrownBy(() -> Shard.parse("4/4")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Shard.parse("x")).isInstanceOf(IllegalArgumentException.class);
    }
}
