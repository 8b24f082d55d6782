package org.kemu.lab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code kemu plugins} and {@code kemu run <plugin> --param value} over plugin-api (issue 8, CLI). */
class PluginCliTest {

    @Test
    void theThreePluginsOnTheRuntimeClassPathAreListed() {
        KemuCliTest.Out r = KemuCliTest.run("plugins");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("hugetlb-fallocate", "deferred-page-init", "hugetlb-boot-init", "--threads 16");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void runTakesParamValuePairsOnTheSelectedProfileAndIsDeterministic() {
        String[] args = {"run", "hugetlb-fallocate", "--length", "1G", "--pool-per-node=1G", "--threads", "4",
            "--profile", "amd-7j13", "--seed", "3", "--format", "json"};
        KemuCliTest.Out a = KemuCliTest.run(args);
        KemuCliTest.Out b = KemuCliTest.run(args);
        assertThat(a.rc()).as(a.err()).isZero();
        assertThat(a.out()).contains("\"virtual_seconds\"", "\"pages\" : 512", "\"machine\" : \"amd-7j13\"",
                "\"seed\" : 3", "\"length\" : \"1G\"");
        assertThat(KemuCliTest.withoutWallTimes(a.out())).isEqualTo(KemuCliTest.withoutWallTimes(b.out()));
        assertThat(KemuCliTest.run("run", "hugetlb-fallocate", "--length", "1G", "--pool-per-node", "1G").out())
                .contains("virtual time", "pages");
    }

    @Test
    void badPluginsAndParamsGiveOneLineAndNonZeroExit() {
        for (String[] args : new String[][] {{"run", "no-such-plugin"}, {"run", "hugetlb-fallocate", "--bogus", "1"},
            {"run", "hugetlb-fallocate", "--threads"}, {"run", "hugetlb-fallocate", "--threads", "lots"},
            {"run", "hugetlb-fallocate", "stray"}, {"run", "hugetlb-fallocate", "--format", "xml"},
            {"run", "hugetlb-fallocate", "--length", "64G", "--pool-per-node", "1G"}}) {
            KemuCliTest.Out r = KemuCliTest.run(args);
            assertThat(r.rc()).as(String.join(" ", args)).isNotZero();
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("\tat ");
        }
    }
}
