package org.kemu.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kemu.cli.CapturedRun;

/**
 * {@code kemu plugins} and {@code kemu run <plugin> --param value} with the shipped plugins on the
 * class path, as bin/kemu runs them (issue 8, CLI).
 */
class PluginCliIT {
    static CapturedRun run(String... args) {
        return CapturedRun.of(args);
    }

    static String withoutWallTimes(String json) {
        return CapturedRun.withoutWallTimes(json);
    }

    @Test
    void theShippedPluginsOnTheRuntimeClassPathAreListed() {
        CapturedRun r = run("plugins");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("hugetlb-fallocate", "deferred-page-init", "hugetlb-boot-init",
                "memory-hotplug-init", "munmap", "ib-umem-release",
                "--threads INT", "padata max_threads (default 16)");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void runTakesParamValuePairsOnTheSelectedProfileAndIsDeterministic() {
        String[] args = {"run", "hugetlb-fallocate", "--length", "1G", "--pool-per-node=1G", "--threads", "4",
            "--profile", "amd-7j13", "--seed", "3", "--format", "json"};
        CapturedRun a = run(args);
        CapturedRun b = run(args);
        assertThat(a.rc()).as(a.err()).isZero();
        assertThat(a.out()).contains("\"virtual_seconds\"", "\"pages\" : 512", "\"machine\" : \"amd-7j13\"",
                "\"seed\" : 3", "\"length\" : \"1G\"");
        assertThat(withoutWallTimes(a.out())).isEqualTo(withoutWallTimes(b.out()));
        assertThat(run("run", "hugetlb-fallocate", "--length", "1G", "--pool-per-node", "1G").out())
                .contains("virtual time", "pages");
    }

    @Test
    void theThreeFurtherPadataUsersRunFromTheCli() {
        // the cover letter's future users: memory hotplug struct page init, munmap(), __ib_umem_release()
        for (String[] args : new String[][] {{"run", "memory-hotplug-init", "--size", "1G", "--format", "json"},
            {"run", "munmap", "--size", "256M", "--threads", "4", "--format", "json"},
            {"run", "ib-umem-release", "--size", "256M", "--threads", "4", "--format", "json"}}) {
            CapturedRun r = run(args);
            assertThat(r.rc()).as(String.join(" ", args) + ": " + r.err()).isZero();
            assertThat(r.out()).contains("\"virtual_seconds\"");
        }
        assertThat(run("run", "munmap", "--size", "256M", "--format", "json").out()).contains("\"pages.freed\" : 65536");
        assertThat(run("run", "ib-umem-release", "--size", "256M", "--format", "json").out())
                .contains("\"pinned_vm.after\" : 0");
    }

    @Test
    void badPluginsAndParamsGiveOneLineAndNonZeroExit() {
        for (String[] args : new String[][] {{"run", "no-such-plugin"}, {"run", "hugetlb-fallocate", "--bogus", "1"},
            {"run", "hugetlb-fallocate", "--threads"}, {"run", "hugetlb-fallocate", "--threads", "lots"},
            {"run", "hugetlb-fallocate", "stray"}, {"run", "hugetlb-fallocate", "--format", "xml"},
            {"run", "hugetlb-fallocate", "--length", "64G", "--pool-per-node", "1G"}}) {
            CapturedRun r = run(args);
            assertThat(r.rc()).as(String.join(" ", args)).isNotZero();
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("\tat ");
        }
    }

    @Test
    void pluginRunsAreTracedToo(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("plugin.json");
        assertThat(run("run", "hugetlb-boot-init", "--size", "8G", "--trace", f.toString()).rc()).isZero();
        JsonNode events = new ObjectMapper().readTree(f.toFile()).get("traceEvents");
        assertThat(events).anyMatch(e -> e.path("cat").asText().equals("cpu"));
        assertThat(events).anyMatch(e -> e.path("cat").asText().equals("padata"));
        assertThat(events).anyMatch(e -> e.get("name").asText().equals("process_name")
                && e.get("args").get("name").asText().startsWith("hugetlb-boot-init intel-8167m"));
    }
}
