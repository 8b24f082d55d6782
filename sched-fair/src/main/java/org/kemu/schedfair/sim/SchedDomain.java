package org.kemu.schedfair.sim;

import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Topology;

/**
 * One CPU's {@code struct sched_domain} at one level, as kernel/sched/topology.c v5.14 builds it:
 * its span, its groups (the spans of the level below, the local group first), the flags and tunables
 * {@code sd_init} gives the level, and the balancing state {@code load_balance} keeps per CPU and
 * level (balance_interval, nr_balance_failed, last_balance). Every CPU has its own copy, as in the
 * kernel.
 */
final class SchedDomain {
    static final int SD_BALANCE_NEWIDLE = 1;
    static final int SD_BALANCE_EXEC = 1 << 1;
    static final int SD_BALANCE_FORK = 1 << 2;
    static final int SD_WAKE_AFFINE = 1 << 3;
    static final int SD_SHARE_CPUCAPACITY = 1 << 4;
    static final int SD_SHARE_PKG_RESOURCES = 1 << 5;
    static final int SD_SERIALIZE = 1 << 6;
    static final int SD_PREFER_SIBLING = 1 << 7;
    static final int SD_NUMA = 1 << 8;

    /** The default topology levels (default_topology[] plus one NUMA level for a 2-distance SLIT). */
    enum Level { SMT, MC, DIE, NUMA }

    /** Level.values() once: each call of values() copies the array. */
    private static final Level[] LEVELS = Level.values();

    /**
     * node_reclaim_distance (RECLAIM_DISTANCE = 30) and the SLIT distance between the two sockets of
     * the published two-socket servers: 21 in their ACPI SLIT, so the NUMA level keeps fork, exec and
     * wake-affine balancing (sd_init clears them only beyond node_reclaim_distance).
     */
    static final int NODE_RECLAIM_DISTANCE = 30;
    static final int REMOTE_NODE_DISTANCE = 21;

    final Level level;
    final int cpu;
    final int[] span;
    final CpuMask spanCpus;
    /** sd->groups as spans; groups[0] holds {@link #cpu}. */
    final int[][] groups;
    /** The mask of each span of the group level by any of its CPUs (shared by the machine's domains); see {@link #groupCpus}. */
    private final CpuMask[] maskOfGroupCpu;
    /**
     * The level whose spans the groups are (the child level; its ordinal), or -1 for the one-CPU
     * groups of the lowest level: with a group's first CPU it names the group's sums in the
     * {@link RootDomain}.
     */
    final int groupLevel;
    int flags;
    final int imbalancePct;
    final int cacheNiceTries;
    final long minIntervalMs;
    final long maxIntervalMs;
    final int busyFactor = 16;
    long balanceIntervalMs;
    int nrBalanceFailed;
    long lastBalanceJiffies;
    SchedDomain parent;
    SchedDomain child;

    /** The span and group arrays and masks are shared by every CPU's domain of that span and never written. */
    private SchedDomain(Level level, int cpu, int[] span, CpuMask spanCpus, int[][] groups, CpuMask[] maskOfGroupCpu,
            int groupLevel) {
        this.level = level;
        this.cpu = cpu;
        this.span = span;
        this.spanCpus = spanCpus;
        this.groups = groups;
        this.maskOfGroupCpu = maskOfGroupCpu;
        this.groupLevel = groupLevel;
        // sd_init: every level balances on newidle, exec and fork, is wake-affine and prefers siblings
        int f = SD_BALANCE_NEWIDLE | SD_BALANCE_EXEC | SD_BALANCE_FORK | SD_WAKE_AFFINE | SD_PREFER_SIBLING;
        int pct = 117;
        int tries;
        switch (level) {
            case SMT -> {
                // cpu_smt_flags
                f |= SD_SHARE_CPUCAPACITY | SD_SHARE_PKG_RESOURCES;
                pct = 110;
                tries = 0;
            }
            case MC -> {
                // cpu_core_flags
                f |= SD_SHARE_PKG_RESOURCES;
                tries = 1;
            }
            case NUMA -> {
                f |= SD_NUMA | SD_SERIALIZE;
                f &= ~SD_PREFER_SIBLING;
                if (REMOTE_NODE_DISTANCE > NODE_RECLAIM_DISTANCE) {
                    f &= ~(SD_BALANCE_EXEC | SD_BALANCE_FORK | SD_WAKE_AFFINE);
                }
                tries = 2;
            }
            default -> tries = 1;
        }
        this.flags = f;
        this.imbalancePct = pct;
        this.cacheNiceTries = tries;
        this.minIntervalMs = span.length;
        this.maxIntervalMs = 2L * span.length;
        this.balanceIntervalMs = span.length;
    }

    int weight() {
        return span.length;
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** The CPUs of group {@code i} as a mask. */
    CpuMask groupCpus(int i) {
        return maskOfGroupCpu[groups[i][0]];
    }

    boolean spans(int c) {
        return spanCpus.contains(c);
    }

    /**
     * build_sched_domains for {@code cpu}: a domain per topology level (groups from the level below,
     * single CPUs at the bottom), then cpu_attach_domain's removal of degenerate domains: a parent
     * with its child's span goes (its SD_PREFER_SIBLING passes down), and so does a bottom domain of
     * one CPU. Returns the lowest remaining domain, or null on a one-CPU machine.
     */
    static SchedDomain build(Topology topo, int cpu) {
        return build(new Spans(topo), cpu);
    }

    /** Every CPU's domains, the level spans computed once for the machine. */
    static SchedDomain[] buildAll(Topology topo) {
        return buildMachine(topo).domains();
    }

    /**
     * Every CPU's domains, and for each topology level below NUMA the first CPU of each CPU's span
     * at that level ({@code spanFirst[level ordinal][cpu]}), which names the groups that span is.
     */
    record Machine(SchedDomain[] domains, int[][] spanFirst) {
    }

    static Machine buildMachine(Topology topo) {
        Spans spans = new Spans(topo);
        SchedDomain[] out = new SchedDomain[topo.nrCpus()];
        for (int c = 0; c < out.length; c++) {
            out[c] = build(spans, c);
        }
        int[][] first = new int[Level.NUMA.ordinal()][topo.nrCpus()];
        for (int l = 0; l < first.length; l++) {
            for (int c = 0; c < out.length; c++) {
                first[l][c] = spans.of(LEVELS[l], c)[0];
            }
        }
        return new Machine(out, first);
    }

    /**
     * The span of each topology level around each CPU (the tl->mask(cpu) of the level) and its mask,
     * memoized: every CPU of a span shares one array and one mask, which no domain writes, so a
     * 256-CPU machine builds each once instead of once per CPU.
     */
    private static final class Spans {
        final Topology topo;
        final int[][][] bySpan;
        final CpuMask[][] maskBySpan;
        /** The one-CPU groups of the lowest level. */
        final int[][] single;
        final CpuMask[] singleMask;
        /** Scratch of {@link #groups}: the CPUs a group already covers (stamped with the walk's epoch), and the groups found. */
        final int[] covered;
        int epoch;
        final int[][] found;
        /** Each CPU's group ring at each level, filled a span at a time ({@link #rings}). */
        final int[][][][] ringOf;
        /** Scratch of {@link #rings}: each CPU's position in the span being done. */
        final int[] pos;

        Spans(Topology topo) {
            this.topo = topo;
            this.bySpan = new int[LEVELS.length][topo.nrCpus()][];
            this.maskBySpan = new CpuMask[LEVELS.length][topo.nrCpus()];
            this.single = new int[topo.nrCpus()][];
            this.singleMask = new CpuMask[topo.nrCpus()];
            this.covered = new int[topo.nrCpus()];
            this.found = new int[topo.nrCpus()][];
            this.ringOf = new int[LEVELS.length][topo.nrCpus()][][];
            this.pos = new int[topo.nrCpus()];
        }

        /** {@code cpu}'s groups at level {@code l} (build_sched_groups), the rings of its whole span built at once. */
        int[][] ring(Level l, int cpu, boolean lowest) {
            if (ringOf[l.ordinal()][cpu] == null) {
                rings(this, l, of(l, cpu), lowest);
            }
            return ringOf[l.ordinal()][cpu];
        }

        /** The masks of the groups of a level's rings, by any CPU of the group. */
        CpuMask[] groupMasks(Level l, boolean lowest) {
            return lowest ? singleMask : maskBySpan[l.ordinal() - 1];
        }

        int[] of(Level l, int cpu) {
            int[] s = bySpan[l.ordinal()][cpu];
            if (s == null) {
                CpuMask m = span(topo, l, cpu);
                s = m.toArray();
                // every CPU of the span has this same span
                for (int c : s) {
                    bySpan[l.ordinal()][c] = s;
                    maskBySpan[l.ordinal()][c] = m;
                }
            }
            return s;
        }

        CpuMask maskOf(Level l, int cpu) {
            of(l, cpu);
            return maskBySpan[l.ordinal()][cpu];
        }

        int[] single(int cpu) {
            int[] g = single[cpu];
            if (g == null) {
                g = new int[] {cpu};
                single[cpu] = g;
                singleMask[cpu] = CpuMask.of(cpu);
            }
            return g;
        }
    }

    /**
     * Which levels survive cpu_attach_domain is known from the spans alone, so the domains (and
     * their groups) are built only for those: a degenerate domain's groups were never read.
     */
    private static SchedDomain build(Spans spans, int cpu) {
        Topology topo = spans.topo;
        Level[] levels = topo.nodes() > 1 ? new Level[] {Level.SMT, Level.MC, Level.DIE, Level.NUMA}
                : new Level[] {Level.SMT, Level.MC, Level.DIE};
        Level[] kept = new Level[levels.length];
        int[] inherited = new int[levels.length];
        int k = 0;
        for (Level l : levels) {
            // sd_parent_degenerate: a parent with its child's span goes; its SD_PREFER_SIBLING passes down
            if (k > 0 && spans.of(l, cpu).length == spans.of(kept[k - 1], cpu).length) {
                if (l != Level.NUMA) {
                    inherited[k - 1] |= SD_PREFER_SIBLING;
                }
                continue;
            }
            kept[k++] = l;
        }
        // sd_degenerate: a bottom domain of one CPU
        int first = spans.of(kept[0], cpu).length == 1 ? 1 : 0;
        SchedDomain bottom = null;
        SchedDomain below = null;
        for (int i = first; i < k; i++) {
            Level l = kept[i];
            int[] span = spans.of(l, cpu);
            boolean lowest = l == levels[0];
            int[][] groups = spans.ring(l, cpu, lowest);
            int groupLevel = lowest ? -1 : l.ordinal() - 1;
            SchedDomain sd = new SchedDomain(l, cpu, span, spans.maskOf(l, cpu), groups, spans.groupMasks(l, lowest),
                    groupLevel);
            sd.flags |= inherited[i];
            if (below == null) {
                bottom = sd;
            } else {
                below.parent = sd;
                sd.child = below;
            }
            below = sd;
        }
        return bottom;
    }

    private static CpuMask span(Topology topo, Level l, int cpu) {
        return switch (l) {
            case SMT -> topo.siblingsOf(cpu);
            case MC -> topo.llcCpusOf(cpu);
            case DIE -> topo.cpusOfNode(topo.nodeOf(cpu));
            case NUMA -> topo.allCpus();
        };
    }

    /**
     * The group ring of every CPU of {@code span} at level {@code l}: the first CPU's by the walk
     * ({@link #groups}), then each next CPU's from the one before. Seen from the span's position
     * a, a group's place in the ring is where the walk first meets it, P in [a, a + n); one step on,
     * every P stays but that of the group of the CPU at a, which becomes the position of its next
     * member (after the wrap if none is left), so that group alone moves back in the ring; when its
     * next member is the very next CPU the ring is unchanged and the CPUs share it. Rings are never
     * written, so sharing is safe; on the NUMA level of a two-node machine 256 CPUs share four.
     */
    private static void rings(Spans spans, Level l, int[] span, boolean lowest) {
        int n = span.length;
        int[] pos = spans.pos;
        for (int i = 0; i < n; i++) {
            pos[span[i]] = i;
        }
        int[][] ring = groups(spans, l, span, span[0], lowest);
        int k = ring.length;
        // P of each group of the ring, in ring order; from position 0 a group's first member
        // (the lowest CPU, and spans are in CPU order) is where the walk meets it
        int[] at = new int[k];
        for (int j = 0; j < k; j++) {
            at[j] = pos[ring[j][0]];
        }
        int[][][] ringOf = spans.ringOf[l.ordinal()];
        ringOf[span[0]] = ring;
        for (int a = 0; a + 1 < n; a++) {
            int[] g = ring[0];
            int next = -1;
            for (int x : g) {
                if (pos[x] > a) {
                    next = pos[x];
                    break;
                }
            }
            int p = next >= 0 ? next : pos[g[0]] + n;
            if (p != a + 1) {
                // g moves back to before the first group met later than it
                int j = 1;
                while (j < k && at[j] < p) {
                    j++;
                }
                int[][] moved = new int[k][];
                System.arraycopy(ring, 1, moved, 0, j - 1);
                System.arraycopy(at, 1, at, 0, j - 1);
                moved[j - 1] = g;
                at[j - 1] = p;
                System.arraycopy(ring, j, moved, j, k - j);
                ring = moved;
            } else {
                at[0] = p;
            }
            ringOf[span[a + 1]] = ring;
        }
    }

    /** build_sched_groups: the span cut by the level below's spans, the group of {@code cpu} first. */
    private static int[][] groups(Spans spans, Level l, int[] span, int cpu, boolean lowest) {
        // start at cpu's group, then wrap around the span as the group ring does
        int at = 0;
        for (int i = 0; i < span.length; i++) {
            if (span[i] == cpu) {
                at = i;
            }
        }
        Level below = lowest ? null : LEVELS[l.ordinal() - 1];
        int epoch = ++spans.epoch;
        int[] covered = spans.covered;
        int count = 0;
        // wrap around without a division per step
        for (int i = at, n = span.length; i != at + n; i++) {
            int c = span[i < n ? i : i - n];
            if (covered[c] == epoch) {
                continue;
            }
            int[] g = lowest ? spans.single(c) : spans.of(below, c);
            for (int x : g) {
                covered[x] = epoch;
            }
            spans.found[count++] = g;
        }
        return java.util.Arrays.copyOf(spans.found, count);
    }
}
