package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Topology;

/** Sched domains as kernel/sched/topology.c v5.14 builds them (build_sched_domains, sd_init, degeneration). */
class SchedDomainTest {
    private static List<SchedDomain> chain(Topology t, int cpu) {
        List<SchedDomain> l = new ArrayList<>();
        for (SchedDomain d = SchedDomain.build(t, cpu); d != null; d = d.parent) {
            l.add(d);
        }
        return l;
    }

    @Test
    void skylakeSpHasSmtMcAndNumaWithTheDieLevelDegenerate() {
        // intel-8167m: one LLC per socket, so DIE has MC's span and cpu_attach_domain drops it
        List<SchedDomain> c = chain(new Topology(2, 26, 2, 1L << 30), 0);
        assertThat(c).extracting(d -> d.level).containsExactly(SchedDomain.Level.SMT, SchedDomain.Level.MC,
                SchedDomain.Level.NUMA);
        assertThat(c).extracting(SchedDomain::weight).containsExactly(2, 52, 104);
        // sd_init: imbalance_pct 110 for SMT, 117 otherwise; cache_nice_tries 0 / 1 / 2
        assertThat(c).extracting(d -> d.imbalancePct).containsExactly(110, 117, 117);
        assertThat(c).extracting(d -> d.cacheNiceTries).containsExactly(0, 1, 2);
        // min_interval = balance_interval = sd_weight ms, max_interval = 2 * sd_weight, busy_factor 16
        assertThat(c).extracting(d -> d.balanceIntervalMs).containsExactly(2L, 52L, 104L);
        assertThat(c).extracting(d -> d.maxIntervalMs).containsExactly(4L, 104L, 208L);
        SchedDomain numa = c.get(2);
        assertThat(numa.has(SchedDomain.SD_NUMA) && numa.has(SchedDomain.SD_SERIALIZE)).isTrue();
        assertThat(numa.has(SchedDomain.SD_PREFER_SIBLING)).isFalse();
        // distance 21 <= node_reclaim_distance 30: fork balancing and wake-affine stay on
        assertThat(numa.has(SchedDomain.SD_BALANCE_FORK) && numa.has(SchedDomain.SD_WAKE_AFFINE)).isTrue();
        // NUMA groups are the nodes, the local one first; MC groups are the cores
        assertThat(numa.groups).hasNumberOfRows(2);
        assertThat(numa.groups[0]).hasSize(52).contains(0, 52);
        assertThat(c.get(1).groups).hasNumberOfRows(26);
        assertThat(c.get(1).groups[0]).containsExactly(0, 52);
        assertThat(c.get(0).has(SchedDomain.SD_SHARE_CPUCAPACITY)).isTrue();
    }

    @Test
    void milanHasAnEightCoreLlcBelowTheSocket() {
        List<SchedDomain> c = chain(new Topology(2, 64, 2, 1L << 30, 8), 9);
        assertThat(c).extracting(d -> d.level).containsExactly(SchedDomain.Level.SMT, SchedDomain.Level.MC,
                SchedDomain.Level.DIE, SchedDomain.Level.NUMA);
        assertThat(c).extracting(SchedDomain::weight).containsExactly(2, 16, 128, 256);
        // cpu 9 is core 9: the second CCX (cores 8..15 and their siblings 136..143)
        assertThat(c.get(1).span).contains(8, 15, 136, 143).doesNotContain(7, 16);
        assertThat(c.get(2).groups).hasNumberOfRows(8);
        assertThat(c.get(1).has(SchedDomain.SD_SHARE_PKG_RESOURCES)).isTrue();
        assertThat(c.get(2).has(SchedDomain.SD_SHARE_PKG_RESOURCES)).isFalse();
    }

    @Test
    void aSmallMachineWithoutSmtHasOneMcDomainAndOneCpuNone() {
        List<SchedDomain> c = chain(Topology.uniform(4), 3);
        assertThat(c).extracting(d -> d.level).containsExactly(SchedDomain.Level.MC);
        assertThat(c.get(0).groups).hasNumberOfRows(4);
        assertThat(c.get(0).groups[0]).containsExactly(3);
        assertThat(SchedDomain.build(Topology.uniform(1), 0)).isNull();
    }
}
