package org.kemu.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kemu.cli.CapturedRun;

/**
 * {@code sweep --mems} with per-profile sizes (issue 15): the published patch-8 matrix, whose largest
 * guest differs per machine, is one sweep, in matrix order.
 */
class ProfileMemsTest {
    @TempDir
    Path dir;

    @Test
    void plainSizesAreEveryProfilesAndQualifiedOnesOnlyTheirs() {
        ProfileMems m = new ProfileMems(List.of("16G", "128G", "intel-8167m:360G", "amd-7j13:980G"),
                List.of("intel-8167m", "amd-7j13"));
        assertThat(m.of("intel-8167m")).containsExactly("16G", "128G", "360G");
        assertThat(m.of("amd-7j13")).containsExactly("16G", "128G", "980G");
    }

    @Test
    void aProfileFileWithAColonInItsPathIsTheQualifier() {
        ProfileMems m = new ProfileMems(List.of("/tmp/a:b/p.json:2G"), List.of("/tmp/a:b/p.json"));
        assertThat(m.of("/tmp/a:b/p.json")).containsExactly("2G");
    }

    @Test
    void aQualifierNamingNoSweptProfileIsRefused() {
        assertThatThrownBy(() -> new ProfileMems(List.of("16G", "amd-7j31:980G"), List.of("amd-7j13")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amd-7j31 is not one of --profiles");
    }

    @Test
    void aProfileLeftWithoutSizesIsRefused() {
        assertThatThrownBy(() -> new ProfileMems(List.of("amd-7j13:980G"), List.of("intel-8167m", "amd-7j13")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no size for profile intel-8167m");
    }

    /**
     * One sweep with per-profile sizes writes the rows of the two one-profile sweeps it replaces, one
     * after the other: the same cells in the same order.
     */
    @Test
    void oneSweepWithPerProfileSizesEqualsTheTwoSweepsItReplaces() throws Exception {
        String[] common = {"--backings", "hugetlb,thp", "--padata-threads", "0,2", "--lock-cache-pages", "0,65536",
            "--jobs", "2"};
        Path both = dir.resolve("both.csv");
        Path intel = dir.resolve("intel.csv");
        Path amd = dir.resolve("amd.csv");
        CapturedRun a = sweep(common, "--profiles", "intel-8167m,amd-7j13", "--mems", "1G,intel-8167m:2G,amd-7j13:4G",
                "--out", both.toString());
        CapturedRun b = sweep(common, "--profiles", "intel-8167m", "--mems", "1G,2G", "--out", intel.toString());
        CapturedRun c = sweep(common, "--profiles", "amd-7j13", "--mems", "1G,4G", "--out", amd.toString());
        assertThat(List.of(a.rc(), b.rc(), c.rc())).as(a.err() + b.err() + c.err()).containsOnly(0);
        // the CSV has no wall-time column: every figure in it is virtual, so the rows compare byte for byte
        List<String> expected = new java.util.ArrayList<>(Files.readAllLines(intel));
        expected.addAll(Files.readAllLines(amd).subList(1, 13));
        // 2 profiles x 2 backings x 2 sizes x (serial + 2 caches) = 24 cells, intel's first
        assertThat(Files.readAllLines(both)).hasSize(25).isEqualTo(expected);
        assertThat(Files.readString(Path.of(both + ".json"))).contains("\"cells\" : 24");
    }

    @Test
    void aTypoInAQualifierFailsBeforeTheFirstCell() {
        Path out = dir.resolve("s.csv");
        CapturedRun r = CapturedRun.of("sweep", "--profiles", "amd-7j13", "--mems", "1G,amd-7j31:2G",
                "--padata-threads", "0", "--out", out.toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("amd-7j31 is not one of --profiles").doesNotContain(": pin ");
        assertThat(Files.exists(out)).isFalse();
    }

    private static CapturedRun sweep(String[] common, String... more) {
        List<String> l = new java.util.ArrayList<>(List.of("sweep"));
        l.addAll(List.of(common));
        l.addAll(List.of(more));
        return CapturedRun.of(l.toArray(String[]::new));
    }
}
