package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.CpuMask;
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

    /**
     * build_sched_groups walks the domain's span from the CPU itself, and each CPU it reaches that no
     * group covers yet starts the next group: the child domain's span of that CPU (one CPU at the
     * lowest level). Checked for every CPU and domain of machines with and without SMT, LLCs below
     * the socket, one and two nodes, against that walk written out with the topology's masks.
     */
    @Test
    void everyCpusGroupsAreTheChildSpansInTheOrderOfTheWalkFromItself() {
        Topology[] machines = {new Topology(2, 26, 2, 1L << 30), new Topology(2, 64, 2, 1L << 30, 8),
            new Topology(2, 4, 2, 1L << 30, 2), Topology.uniform(6), new Topology(1, 6, 2, 1L << 30, 3)};
        for (Topology t : machines) {
            SchedDomain[] all = SchedDomain.buildAll(t);
            for (int cpu = 0; cpu < t.nrCpus(); cpu++) {
                for (SchedDomain d = all[cpu]; d != null; d = d.parent) {
                    assertThat(d.cpu).isEqualTo(cpu);
                    assertThat(d.spans(cpu)).isTrue();
                    List<List<Integer>> want = new ArrayList<>();
                    List<Integer> covered = new ArrayList<>();
                    int at = 0;
                    while (d.span[at] != cpu) {
                        at++;
                    }
                    for (int i = 0; i < d.span.length; i++) {
                        int c = d.span[(at + i) % d.span.length];
                        if (covered.contains(c)) {
                            continue;
                        }
                        List<Integer> g = new ArrayList<>();
                        for (int x : childSpan(t, d.level, c).toArray()) {
                            g.add(x);
                        }
                        covered.addAll(g);
                        want.add(g);
                    }
                    List<List<Integer>> got = new ArrayList<>();
                    for (int i = 0; i < d.groups.length; i++) {
                        int[] g = d.groups[i];
                        assertThat(d.groupCpus(i).toArray()).containsExactly(g);
                        List<Integer> l = new ArrayList<>();
                        for (int x : g) {
                            l.add(x);
                        }
                        got.add(l);
                    }
                    assertThat(got).as("groups of cpu %d at %s on %s", cpu, d.level, t).isEqualTo(want);
                }
            }
        }
    }

    /** The span of the topology level below {@code l} around {@code c} (tl->mask of the child level). */
    private static CpuMask childSpan(Topology t, SchedDomain.Level l, int c) {
        return switch (l) {
            case SMT -> CpuMask.of(new int[] {c});
            case MC -> t.siblingsOf(c);
            case DIE -> t.llcCpusOf(c);
            case NUMA -> t.cpusOfNode(t.nodeOf(c));
        };
    }
}
