package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.lab.experiment.ExperimentTable;
import org.kemu.lab.experiment.HugetlbBootExperiments;
import org.kemu.lab.pluginhost.PluginRunner;

/**
 * The 2024 and 2025 hugetlb boot experiments in their published shapes, on tiny pools (here, where
 * the shipped hugetlb-boot-init plugin is on the class path).
 */
class HugetlbBootExperimentsTest {
    private static final double TINY = 1.0 / 256;
    private static final PluginRunner RUNNER = PluginRunner.discover();

    @Test
    void patched2024HasTheCoverLettersRowsAndColumns() {
        ExperimentTable t = HugetlbBootExperiments.patched2024(RUNNER, 1, TINY);
        assertThat(t.columns()).extracting(ExperimentTable.Column::key).containsExactly("test", "machine", "pool_gib",
                "no_patch_ms", "patched_ms", "saved_percent");
        assertThat(t.rows()).extracting(r -> r.get(0)).containsExactly("256c2t(4 node) 1G", "128c1t(2 node) 1G",
                "12t 1G", "256c2t(4 node) 2M", "128c1t(2 node) 2M");
        // padata spreads the allocation over the nodes' CPUs (padata_do_multithreaded, numa_aware):
        // every patched run is faster than the boot CPU alone
        assertThat(t.rows()).allSatisfy(r -> {
            assertThat((Double) r.get(4)).isPositive().isLessThan((Double) r.get(3));
            assertThat((Double) r.get(5)).isBetween(0.0, 100.0);
        });
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void multiplier2024HasThreeMachinesAndFiveMultipliersAndMoreThreadsHelp(long seed) {
        // pools big enough that the work, not starting the helpers, dominates (at 1/256 the 50 GiB
        // machine's 44 pages per node take less than a kworker's creation), and that the 50 GiB job
        // (9 ms at x1) is long against the wake-ups the helpers pay when one waits for a zone lock or
        // hugetlb_lock held by another (a waiter's CPU may be in C2, 400 us exit). Before the
        // helpers allocated in parallel (each chunk's allocation ran under a per-node mutex), 1/32
        // made x2 slower than x1 for seeds 1 to 3
        ExperimentTable t = HugetlbBootExperiments.multiplier2024(RUNNER, seed, 1.0 / 8);
        assertThat(t.columns()).extracting(ExperimentTable.Column::key).containsExactly("machine", "profile", "x1_ms",
                "x2_ms", "x3_ms", "x4_ms", "x5_ms");
        assertThat(t.rows()).extracting(r -> r.get(0)).containsExactly("256G 2node", "2T 4node", "50G 2node");
        // max_threads = nodes x multiplier: doubling the threads from x1 to x2 shortens the job
        assertThat(t.rows()).allSatisfy(r -> assertThat((Double) r.get(3)).isLessThan((Double) r.get(2)));
    }

    @Test
    void threads2025HasBothServersAndTheFiveThreadCounts() {
        ExperimentTable t = HugetlbBootExperiments.threads2025(RUNNER, 1, TINY);
        assertThat(t.columns()).extracting(ExperimentTable.Column::key).containsExactly("machine", "profile",
                "t8_seconds", "t16_seconds", "t32_seconds", "t64_seconds", "t128_seconds");
        assertThat(t.rows()).extracting(r -> r.get(0)).containsExactly("skylake 144 cpus", "cascade lake 192 cpus");
        assertThat(t.rows()).allSatisfy(r -> assertThat(r.subList(2, 7)).allSatisfy(c -> assertThat((Double) c).isPositive()));
    }

    @Test
    void sameSeedGivesTheSameTable() {
        assertThat(HugetlbBootExperiments.threads2025(RUNNER, 3, TINY).rows())
                .isEqualTo(HugetlbBootExperiments.threads2025(RUNNER, 3, TINY).rows());
    }

    @Test
    void cliRunsTheQuick2025TableAsCsv() {
        CapturedRun r = CapturedRun.of("experiment", "hugetlb-boot-2025", "--quick", "--format", "csv");
        assertThat(r.rc()).as(r.err()).isZero();
        var lines = r.out().strip().lines().toList();
        assertThat(lines.get(0)).isEqualTo("machine,profile,t8_seconds,t16_seconds,t32_seconds,t64_seconds,t128_seconds");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(2)).startsWith("\"cascade lake 192 cpus\",intel-8260-192c,");
    }
}
