package org.kemu.schedfair.sim;

/**
 * What placement and load balancing read of every CPU, kept up to date as each CPU's root queue or
 * current task changes rather than found by visiting every CPU: rd->overload (some CPU runs two
 * tasks; 5.14 keeps it in struct root_domain, set from add_nr_running and update_sg_lb_stats),
 * per LLC the number of busy CPUs (sched_domain_shared.nr_busy_cpus, which nohz_balancer_kick
 * reads), idle_cpu() and "has a current task" of each CPU as bitmasks, each root queue's
 * h_nr_running and load in flat arrays, and what update_sg_lb_stats and update_sg_wakeup_stats
 * take over a sched group for every span a group can be (the SMT, MC and DIE spans): the sums of
 * h_nr_running and load, kept, and the running and idle CPUs, counted from the bitmasks and the
 * span's mask.
 *
 * <p>Unlike the kernel's flag, which is a hint cleared only at the next balance, these are exact
 * at every moment: they stand for the full scans the model made before, and say the same.
 * The root queues report every change of h_nr_running and load ({@link CfsRq#addHNrRunning},
 * {@link CfsRq#addLoad}), {@link SchedCore} every change of a CPU's current task.
 */
final class RootDomain {
    private final SimCpu[] cpus;
    private final CfsRq[] rootRq;
    /** Root h_nr_running and load.weight per CPU. */
    final int[] nrRunning;
    final long[] load;
    /** Bit {@code c} set while idle_cpu(c): no current task and nothing queued. */
    private final long[] idle;
    /** Bit {@code c} set while CPU c has a current task (its utilization is full capacity). */
    private final long[] running;
    /** CPUs with h_nr_running above 1. */
    private int overloaded;
    /** Each CPU's LLC, or -1 when it has no LLC domain (sd_llc is NULL). */
    private final int[] llcOf;
    private final int[] busyInLlc;
    /** LLCs with more than one busy CPU. */
    private int llcsWithTwoBusy;
    /**
     * The h_nr_running and load sums of each span at each topology level below NUMA, side by side
     * at {@code ((level * nrCpus) + first CPU of the span) * 2}, so one update of a CPU touches one
     * place per level; {@code slot[c * levels + l]} is where CPU c's span at level l keeps them.
     * {@code spanMask[level][first CPU]} is the span's CPUs as words like {@link #idle}'s. Null
     * until {@link #useSpans}.
     */
    private long[] sums;
    private int[] slot;
    private int levels;
    private long[][][] spanMask;
    private static final int NR = 0;
    private static final int LOAD = 1;
    private static final int FIELDS = 2;

    RootDomain(SimCpu[] cpus, CfsRq[] rootRq) {
        this.cpus = cpus;
        this.rootRq = rootRq;
        int n = cpus.length;
        this.nrRunning = new int[n];
        this.load = new long[n];
        this.idle = new long[(n + 63) >>> 6];
        this.running = new long[(n + 63) >>> 6];
        this.llcOf = new int[n];
        this.busyInLlc = new int[n];
        for (int c = 0; c < n; c++) {
            llcOf[c] = -1;
            nrRunning[c] = rootRq[c].hNrRunning;
            load[c] = rootRq[c].load;
            setBit(running, c, cpus[c].curr != null);
            setBit(idle, c, computeIdle(c));
            if (nrRunning[c] > 1) {
                overloaded++;
            }
            rootRq[c].rd = this;
        }
    }

    private static void setBit(long[] mask, int c, boolean on) {
        if (on) {
            mask[c >>> 6] |= 1L << (c & 63);
        } else {
            mask[c >>> 6] &= ~(1L << (c & 63));
        }
    }

    private static boolean bit(long[] mask, int c) {
        return (mask[c >>> 6] & (1L << (c & 63))) != 0;
    }

    /** Which LLC each CPU's sd_llc spans ({@code llc[c]}, or -1 without one). */
    void useLlcs(int[] llc) {
        for (int c = 0; c < llcOf.length; c++) {
            if (llcOf[c] >= 0 && !idle(c)) {
                busyChanged(llcOf[c], -1);
            }
            llcOf[c] = llc[c];
            if (llcOf[c] >= 0 && !idle(c)) {
                busyChanged(llcOf[c], 1);
            }
        }
    }

    /** The spans whose sums are kept ({@link SchedDomain.Machine#spanFirst}). */
    void useSpans(int[][] first) {
        int nl = first.length;
        int n = cpus.length;
        long[] sum = new long[nl * n * FIELDS];
        int[] at = new int[n * nl];
        long[][][] masks = new long[nl][n][];
        for (int l = 0; l < nl; l++) {
            for (int c = 0; c < n; c++) {
                int head = first[l][c];
                int s = (l * n + head) * FIELDS;
                at[c * nl + l] = s;
                sum[s + NR] += nrRunning[c];
                sum[s + LOAD] += load[c];
                if (masks[l][head] == null) {
                    masks[l][head] = new long[idle.length];
                }
                setBit(masks[l][head], c, true);
            }
        }
        levels = nl;
        slot = at;
        spanMask = masks;
        sums = sum;
    }

    /** Adds {@code d} to field {@code f} of every span of CPU {@code c}. */
    private void addToSpans(int c, int f, long d) {
        if (sums == null) {
            return;
        }
        for (int j = c * levels, end = j + levels; j < end; j++) {
            sums[slot[j] + f] += d;
        }
    }

    private static int countIn(long[] bits, long[] span) {
        int k = 0;
        for (int w = 0; w < span.length; w++) {
            k += Long.bitCount(bits[w] & span[w]);
        }
        return k;
    }

    /**
     * Fills the sums of update_sg_lb_stats / update_sg_wakeup_stats for the group of CPUs that is
     * the span at {@code level} headed by CPU {@code head} (level -1: the one CPU {@code head}).
     */
    void groupSums(int level, int head, LoadBalance.GroupStats s) {
        int nr;
        int run;
        int idl;
        if (level < 0) {
            nr = nrRunning[head];
            s.load = load[head];
            run = bit(running, head) ? 1 : 0;
            idl = idle(head) ? 1 : 0;
        } else {
            int b = (level * cpus.length + head) * FIELDS;
            nr = (int) sums[b + NR];
            s.load = sums[b + LOAD];
            long[] span = spanMask[level][head];
            run = countIn(running, span);
            idl = countIn(idle, span);
        }
        s.util = run * LoadBalance.SCHED_CAPACITY_SCALE;
        s.runnable = nr * LoadBalance.SCHED_CAPACITY_SCALE;
        s.sumNrRunning = nr;
        s.sumHNrRunning = nr;
        s.idleCpus = idl;
    }

    /** Whether the span at {@code level} headed by {@code head} (level -1: the one CPU) has an idle_cpu(). */
    boolean anyIdleIn(int level, int head) {
        if (level < 0) {
            return idle(head);
        }
        long[] span = spanMask[level][head];
        for (int w = 0; w < span.length; w++) {
            if ((idle[w] & span[w]) != 0) {
                return true;
            }
        }
        return false;
    }

    boolean idle(int c) {
        return bit(idle, c);
    }

    /** rd->overload: some CPU has more than one runnable task. */
    boolean overloaded() {
        return overloaded > 0;
    }

    /** Some LLC (of a CPU with sd_llc) has more than one busy CPU. */
    boolean llcWithTwoBusy() {
        return llcsWithTwoBusy > 0;
    }

    private boolean computeIdle(int c) {
        return cpus[c].curr == null && rootRq[c].hNrRunning == 0;
    }

    /** CPU {@code c}'s root queue changed its h_nr_running. */
    void nrRunningChanged(int c) {
        int before = nrRunning[c];
        int now = rootRq[c].hNrRunning;
        nrRunning[c] = now;
        if (before > 1 != now > 1) {
            overloaded += now > 1 ? 1 : -1;
        }
        addToSpans(c, NR, now - before);
        idleMaybeChanged(c);
    }

    /** CPU {@code c}'s root queue changed its load. */
    void loadChanged(int c) {
        long before = load[c];
        load[c] = rootRq[c].load;
        addToSpans(c, LOAD, load[c] - before);
    }

    /** CPU {@code c}'s current task changed. */
    void currChanged(int c) {
        setBit(running, c, cpus[c].curr != null);
        idleMaybeChanged(c);
    }

    private void idleMaybeChanged(int c) {
        boolean now = computeIdle(c);
        if (now == idle(c)) {
            return;
        }
        setBit(idle, c, now);
        if (llcOf[c] >= 0) {
            busyChanged(llcOf[c], now ? -1 : 1);
        }
    }

    /** Where the kept counts differ from a scan of every CPU, as messages (for {@link FairInvariants}). */
    void disagreements(java.util.List<String> out) {
        int over = 0;
        int[] busy = new int[busyInLlc.length];
        int twoBusy = 0;
        for (int c = 0; c < cpus.length; c++) {
            CfsRq rq = rootRq[c];
            if (nrRunning[c] != rq.hNrRunning || load[c] != rq.load) {
                out.add("root domain has cpu " + c + " at h_nr_running " + nrRunning[c] + " load " + load[c]
                        + " but its queue at " + rq.hNrRunning + " and " + rq.load);
            }
            if (idle(c) != computeIdle(c)) {
                out.add("root domain has cpu " + c + (idle(c) ? " idle" : " busy") + " but idle_cpu says otherwise");
            }
            if (bit(running, c) != (cpus[c].curr != null)) {
                out.add("root domain has cpu " + c + (bit(running, c) ? " running a task" : " without a task")
                        + " but its curr says otherwise");
            }
            if (rq.hNrRunning > 1) {
                over++;
            }
            if (llcOf[c] >= 0 && !computeIdle(c) && ++busy[llcOf[c]] == 2) {
                twoBusy++;
            }
        }
        if (over != overloaded) {
            out.add("root domain counts " + overloaded + " overloaded CPUs but " + over + " run two tasks");
        }
        if (twoBusy != llcsWithTwoBusy) {
            out.add("root domain counts " + llcsWithTwoBusy + " LLCs with two busy CPUs but " + twoBusy + " have");
        }
        if (sums == null) {
            return;
        }
        long[] scan = new long[sums.length];
        for (int c = 0; c < cpus.length; c++) {
            for (int l = 0; l < levels; l++) {
                int s = slot[c * levels + l];
                scan[s + NR] += rootRq[c].hNrRunning;
                scan[s + LOAD] += rootRq[c].load;
                int head = s / FIELDS - l * cpus.length;
                if (!bit(spanMask[l][head], c)) {
                    out.add("root domain's " + SchedDomain.Level.values()[l] + " span mask at cpu " + head
                            + " leaves out cpu " + c);
                }
            }
        }
        // every CPU in its own span's mask and as many bits as CPUs: no CPU is in two
        for (int l = 0; l < levels; l++) {
            int bits = 0;
            for (long[] m : spanMask[l]) {
                bits += m == null ? 0 : countIn(m, m);
            }
            if (bits != cpus.length) {
                out.add("root domain's " + SchedDomain.Level.values()[l] + " span masks hold " + bits + " CPUs of "
                        + cpus.length);
            }
        }
        for (int s = 0; s < sums.length; s += FIELDS) {
            if (sums[s + NR] != scan[s + NR] || sums[s + LOAD] != scan[s + LOAD]) {
                int l = s / FIELDS / cpus.length;
                out.add("root domain sums of the " + SchedDomain.Level.values()[l] + " span at cpu "
                        + (s / FIELDS - l * cpus.length) + " are nr " + sums[s + NR] + " load " + sums[s + LOAD]
                        + " but its CPUs have " + scan[s + NR] + " and " + scan[s + LOAD]);
            }
        }
    }

    private void busyChanged(int llc, int d) {
        int before = busyInLlc[llc];
        busyInLlc[llc] += d;
        if (before > 1 != busyInLlc[llc] > 1) {
            llcsWithTwoBusy += busyInLlc[llc] > 1 ? 1 : -1;
        }
    }
}
