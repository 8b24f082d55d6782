package org.kemu.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.cli.CapturedRun;
import org.kemu.cli.KemuCli;

/**
 * {@code sweep --resume} (issue 17, "--resume skips cells already written; merged output unchanged"):
 * a sweep cut short after k finished rows, resumed, writes exactly the files of an uninterrupted one.
 */
class SweepResumeTest {
    @TempDir
    static Path shared;
    @TempDir
    Path dir;

    private static Path whole;

    /** The uninterrupted sweep, run once for every test. */
    static synchronized Path whole() {
        if (whole == null) {
            whole = shared.resolve("whole.csv");
            run(with("--out", whole.toString()));
        }
        return whole;
    }

    /** 2 sizes x (serial, padata 2 without and with the lock cache) = 6 cells. */
    static final String[] MATRIX = {"sweep", "--mems", "1G,2G", "--padata-threads", "0,2", "--lock-cache-pages",
        "0,65536"};

    static String run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int rc = KemuCli.execute(new PrintWriter(o), new PrintWriter(e), args);
        assertThat(rc).as(e.toString()).isZero();
        return e.toString();
    }

    static String[] with(String... more) {
        List<String> l = new ArrayList<>(List.of(MATRIX));
        l.addAll(List.of(more));
        return l.toArray(String[]::new);
    }

    /** Keeps the header and the first {@code k} rows, and {@code partial} characters of the next row. */
    static void truncate(Path csv, int k, int partial) throws Exception {
        String nl = System.lineSeparator();
        String text = Files.readString(csv);
        int at = 0;
        for (int i = 0; i <= k; i++) {
            at = text.indexOf(nl, at) + nl.length();
        }
        Files.writeString(csv, text.substring(0, Math.min(text.length(), at + partial)), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 5, 6})
    void aResumedSweepWritesTheFilesOfAnUninterruptedOne(int k) throws Exception {
        Path whole = whole();
        Path cut = dir.resolve("cut.csv");
        Files.copy(whole, cut);
        Files.copy(Path.of(whole + ".json"), Path.of(cut + ".json"));
        // the crash came while the cell after the k-th was being written: half its row is on disk
        truncate(cut, k, k < 6 ? 7 : 0);
        String log = run(with("--out", cut.toString(), "--resume"));
        assertThat(Files.readAllBytes(cut)).isEqualTo(Files.readAllBytes(whole));
        // the sidecar too, but for the wall times of its runs (those of the runs kept are the first sweep's)
        assertThat(CapturedRun.withoutWallTimes(Files.readString(Path.of(cut + ".json"))))
                .isEqualTo(CapturedRun.withoutWallTimes(Files.readString(Path.of(whole + ".json"))));
        // only the cells that were missing ran again
        assertThat(log.lines().filter(l -> l.contains(": pin "))).hasSize(6 - k);
    }

    @Test
    void resumeWithoutAnOutFileRunsEverything() throws Exception {
        Path whole = whole();
        Path fresh = dir.resolve("fresh.csv");
        run(with("--out", fresh.toString(), "--resume"));
        assertThat(Files.readAllBytes(fresh)).isEqualTo(Files.readAllBytes(whole));
    }

    @Test
    void resumeRefusesAFileThatIsNotASweepsCsv() throws Exception {
        Path other = dir.resolve("other.csv");
        Files.writeString(other, "a,b,c" + System.lineSeparator());
        StringWriter e = new StringWriter();
        int rc = KemuCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(e),
                with("--out", other.toString(), "--resume"));
        assertThat(rc).isEqualTo(2);
        assertThat(e.toString()).contains("--resume", "is not the CSV of a sweep");
        assertThat(Files.readString(other)).isEqualTo("a,b,c" + System.lineSeparator());
    }
}
