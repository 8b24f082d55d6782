package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KemuCliTest {
    static CapturedRun run(String... args) {
        return CapturedRun.of(args);
    }

    static String withoutWallTimes(String json) {
        return CapturedRun.withoutWallTimes(json);
    }

    @Test
    void sameSeedGivesByteIdenticalJsonApartFromWallTime() {
        String[] args = {"guest-init", "--mem", "4G", "--seed", "1", "--format", "json"};
        CapturedRun a = run(args);
        CapturedRun b = run(args);
        assertThat(a.rc()).isZero();
        assertThat(a.out()).contains("\"pin_seconds\"", "\"init_seconds\"", "\"breakdown\"", "\"kemu_version\"");
        assertThat(withoutWallTimes(a.out())).isEqualTo(withoutWallTimes(b.out()));
    }

    @Test
    void badOptionsGiveOneLineAndNonZeroExit() {
        for (String[] args : new String[][] {{"guest-init", "--mem", "lots"}, {"guest-init", "--backing", "zram"},
            {"guest-init", "--pin-mode", "warp"}, {"guest-init", "--bogus"}, {"guest-init", "--format", "xml"},
            {"guest-init", "--profile", "/nonexistent.json"}, {"frobnicate"}}) {
            CapturedRun r = run(args);
            assertThat(r.rc()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void kernelVersionSelectsThePickRuleAndRefusesUnknownReleases() {
        // --kernel-version (docs/kernel-versions.md): 5.14's CFS by default, EEVDF from 6.6
        assertThat(run("guest-init", "--mem", "2G", "--format", "json").out()).contains("\"pick_policy\" : \"CFS\"");
        CapturedRun v66 = run("guest-init", "--mem", "2G", "--format", "json", "--kernel-version", "6.6");
        assertThat(v66.rc()).isZero();
        assertThat(v66.out()).contains("\"pick_policy\" : \"EEVDF\"");
        CapturedRun bad = run("guest-init", "--kernel-version", "5.15");
        assertThat(bad.rc()).isEqualTo(2);
        assertThat(bad.err()).contains("config:kernel_version").doesNotContain("\tat ");
    }

    @Test
    void csvHasAHeaderAndBothRuns() {
        CapturedRun r = run("guest-init", "--mem", "2G", "--format", "csv", "--padata-threads", "4");
        assertThat(r.rc()).isZero();
        assertThat(r.out().lines().toList()).hasSize(3);
        assertThat(r.out()).startsWith("profile,backing,mem_gib");
    }

    @Test
    void profilesAndPluginsList() {
        assertThat(run("profiles").out()).contains("intel-8167m", "amd-7j13");
        assertThat(run("profiles", "amd-7j13").out()).contains("\"source\"", "\"unit\"");
        assertThat(run("plugins").rc()).isZero();
    }
}
