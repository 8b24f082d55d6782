package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that prints results takes --format table|json|csv, its table headers name the unit
 * and the time base (virtual or real), and no format writes a number in exponent notation (issue 16:
 * "1.20000e-06" beside "0.000154200" beside "172.164").
 */
class OutputFormatsTest {
    static final Pattern EXPONENT = Pattern.compile("\\d[eE][-+]?\\d");

    @TempDir
    Path dir;

    List<String[]> commands() {
        return List.of(new String[] {"guest-init", "--mem", "2G", "--padata-threads", "4"},
                new String[] {"compare", "--mem", "2G", "--padata-threads", "4"},
                new String[] {"run", "hugetlb-fallocate", "--length", "1G", "--pool-per-node", "1G"},
                new String[] {"profiles"},
                new String[] {"sweep", "--mems", "2G", "--padata-threads", "0,4", "--out", dir.resolve("s.csv").toString()});
    }

    static CapturedRun run(String[] args, String format) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--format", format));
        CapturedRun r = CapturedRun.of(a.toArray(String[]::new));
        assertThat(r.rc()).as(a + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void everyResultCommandPrintsEveryFormatWithoutExponents() {
        for (String[] c : commands()) {
            for (String f : List.of("table", "csv")) {
                String out = run(c, f).out();
                assertThat(EXPONENT.matcher(out).find()).as(c[0] + " " + f + ":\n" + out).isFalse();
            }
            assertThat(run(c, "json").out()).as(c[0]).contains("\"schema\" : \"kemu-result/1\"");
        }
    }

    @Test
    void tableHeadersNameUnitsAndTimeBasesAndSumsAreExplained() {
        String gi = run(commands().get(0), "table").out();
        assertThat(gi.lines().skip(1).findFirst().orElseThrow()).contains("pin s (virtual)", "init s (virtual)",
                "wall s (real)");
        assertThat(gi).contains("virtual seconds, the emulated machine's time", "real seconds");
        String cmp = run(commands().get(1), "table").out();
        assertThat(cmp).contains("lock wait s (virtual, sum)", "accounting s (virtual, sum)",
                "(sum): added up over every pinning thread, so with N threads it can reach N times");
        assertThat(run(commands().get(2), "table").out()).contains("virtual time (s, virtual)", "wall time (s, real)");
        assertThat(run(commands().get(3), "table").out()).contains("memory/node GiB");
        String sweep = run(commands().get(4), "table").out();
        assertThat(sweep).contains("pin s (virtual)", "lock wait s (virtual, sum)", "wall s (real)", "wrote ");
        // tables round to 4 significant digits: a pin below a second shows 4 digits after the point (the
        // figure itself belongs to the profile and changes with every refit; the format does not)
        assertThat(gi).containsPattern("serial 5\\.14 \\(base\\) +0\\.[1-9]\\d{3} ");
    }
}
