package org.kemu.lab.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;

class ExperimentsTest {
    /** Tiny runs: every size and CPU amount of patches 13 and 14 scaled by 1/1024. */
    private static final double TINY = 1.0 / 1024;

    @Test
    void catalogueNamesEveryExperimentWithItsColumnsAndRefusesUnknownNames() {
        assertThat(Experiments.ALL).extracting(Experiment::name).containsExactly("patch8-sweep", "patch13-nice",
                "patch14-nice-one-by-one", "ktask-2018", "deferred-init-2020", "hugetlb-boot-2024",
                "hugetlb-boot-2024-multiplier", "hugetlb-boot-2025", "memory-hotplug-threads", "munmap-threads",
                "ib-umem-release-threads");
        // every plugin thread sweep has its catalogue entry, and the other way round
        assertThat(PluginThreadSweeps.ALL).allSatisfy(s -> assertThat(Experiments.byName(s.experiment())).isNotNull());
        assertThat(Experiments.ALL).allSatisfy(e -> {
            assertThat(e.columns()).isNotEmpty();
            assertThat(e.machine()).isNotBlank();
            assertThat(e.duration()).isNotBlank();
        });
        assertThatThrownBy(() -> Experiments.byName("patch99")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown experiment 'patch99'").hasMessageContaining("ktask-2018");
    }

    @Test
    void patch13TableHasBothCasesWithTheThreePublishedRuns() {
        ExperimentTable t = Experiments.patch13(1, TINY);
        assertThat(t.columns()).extracting(ExperimentTable.Column::key)
                .containsExactly("case", "run", "job_seconds", "load_seconds");
        assertThat(t.rows()).extracting(r -> r.get(0) + " " + r.get(1)).containsExactly(
                "a helpers normal priority", "a helpers MAX_NICE", "a competing load alone",
                "b helpers normal priority", "b helpers MAX_NICE", "b competing load alone");
        // the load-alone rows run no job; every other cell is a positive runtime
        assertThat(t.rows().get(2).get(2)).isNull();
        assertThat(t.rows().get(0).get(2)).isInstanceOf(Double.class);
        assertThat((Double) t.rows().get(0).get(3)).isPositive();
    }

    @Test
    void maxNiceHelpersYieldTheCpusToTheCompetingLoad() {
        // patch 13 (padata_mt_helper's set_user_nice(current, MAX_NICE)): at nice 19 a helper's weight is 15
        // against a nice-0 task's 1024 (sched_prio_to_weight), so the CPU job takes longer than with helpers at
        // normal priority. At 1/64 the job (125 ms of CPU on 8 threads) is still running when the load starts.
        ExperimentTable t = Experiments.patch13(1, 1.0 / 64);
        assertThat((Double) t.rows().get(1).get(2)).isGreaterThan((Double) t.rows().get(0).get(2));
    }

    @Test
    void patch14TableHasBothCasesWithTheFourRuns() {
        ExperimentTable t = Experiments.patch14(1, TINY);
        assertThat(t.rows()).extracting(r -> r.get(0) + " " + r.get(1)).containsExactly(
                "a 8 threads, no nicing", "a 8 threads, one-by-one nicing", "a 1 thread", "a competing load alone",
                "b 8 threads, no nicing", "b 8 threads, one-by-one nicing", "b 1 thread", "b competing load alone");
    }

    @Test
    void sameSeedGivesTheSameTable() {
        assertThat(Experiments.patch14(7, TINY).rows()).isEqualTo(Experiments.patch14(7, TINY).rows());
    }

    @Test
    void ktaskTableHasOneRowPerThreadCountAndTheThreeStages() {
        ExperimentTable t = Experiments.ktask2018(1, List.of(1, 4), 1L << 30);
        assertThat(t.columns()).hasSize(4);
        assertThat(t.rows()).extracting(r -> r.get(0)).containsExactly(1, 4);
        // every stage is a run of its own (vfio-type1's PinLocking), never n/a
        assertThat(t.rows()).allSatisfy(r -> assertThat(r.subList(1, 4)).allSatisfy(c -> assertThat((Double) c).isPositive()));
        // one thread takes the locks uncontended: the stages differ only in contention, so they agree there
        assertThat((Double) t.rows().get(0).get(2)).isCloseTo((Double) t.rows().get(0).get(1),
                org.assertj.core.data.Percentage.withPercentage(1));
        // ktask v4 08/13: with no mmap_sem writer, readers never queue behind one, so 4 threads pin no slower
        assertThat((Double) t.rows().get(1).get(2)).isLessThanOrEqualTo((Double) t.rows().get(1).get(1));
        assertThatThrownBy(() -> Experiments.ktask2018(1, List.of(17), 1L << 30))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..16");
    }

    @Test
    void badScaleIsRefused() {
        assertThatThrownBy(() -> Experiments.patch13(1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scale");
    }

    @Test
    void derivedProfilesScaleTheFittedBandwidthsByDramPeakAndClock() {
        // docs/experiments.md "Derived machine profiles": node bandwidth x peak DRAM ratio, per-core x clock ratio
        MachineProfile intel = Profiles.builtIn("intel-8167m");
        MachineProfile p8160 = DerivedProfiles.load("intel-8160");
        assertThat(p8160.topology().nodes() * p8160.topology().coresPerNode() * p8160.topology().threadsPerCore())
                .isEqualTo(96);
        // same 6 x DDR4-2666 per socket as the 8167M
        assertThat(p8160.bandwidth().nodeBytesPerSec()).isEqualTo(intel.bandwidth().nodeBytesPerSec());
        assertThat(p8160.bandwidth().perCoreBytesPerSec())
                .isCloseTo(intel.bandwidth().perCoreBytesPerSec() * 2.1 / 2.0, org.assertj.core.data.Offset.offset(1.0));
        MachineProfile amd = Profiles.builtIn("amd-7j13");
        MachineProfile zen = DerivedProfiles.load("amd-7551-vm");
        assertThat(zen.bandwidth().nodeBytesPerSec())
                .isCloseTo(amd.bandwidth().nodeBytesPerSec() * 2666 / 3200, org.assertj.core.data.Offset.offset(1.0));
        assertThat(zen.gup()).isEqualTo(amd.gup());
        assertThat(zen.sourceOf("bandwidth.nodeBytesPerSec")).contains("derived");
    }
}
