package org.kemu.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kemu.cli.CapturedRun;

/** Issue 17 defect 11: sweep refuses a bad matrix or --out before the first cell runs. */
class SweepChecksFirstTest {
    @TempDir
    Path dir;

    @Test
    void aMissingOutDirectoryIsRefusedWithItsReasonBeforeAnyCell() {
        Path out = dir.resolve("no-such-dir/s.csv");
        CapturedRun r = CapturedRun.of("sweep", "--mems", "1G", "--padata-threads", "0", "--out", out.toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("does not exist").doesNotContain(": pin ");
    }

    @Test
    void aBadValueLateInAListFailsBeforeTheFirstCell() {
        Path out = dir.resolve("s.csv");
        CapturedRun r = CapturedRun.of("sweep", "--mems", "1G,2G,3X", "--padata-threads", "0", "--out",
                out.toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("not a size: '3X'").doesNotContain(": pin ");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void anUnknownPinModeLateInAListFailsBeforeTheFirstCell() {
        CapturedRun r = CapturedRun.of("sweep", "--mems", "1G", "--pin-modes", "serial,bogus", "--out",
                dir.resolve("s.csv").toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("unknown pin mode 'bogus'").doesNotContain(": pin ");
    }
}
