package org.kemu.schedfair.sim;

/**
 * What placement and load balancing read of every CPU, kept up to date as each CPU's root queue or
 * current task changes rather than found by visiting every CPU: rd->overload (some CPU runs two
 * tasks; 5.14 keeps it in struct root_domain, set from add_nr_running and update_sg_lb_stats),
 * per LLC the number of busy CPUs (sched_domain_shared.nr_busy_cpus, which nohz_balancer_kick
 * reads), idle_cpu() of each CPU, each root queue's h_nr_running and load in flat arrays, and the
 * sums update_sg_lb_stats and update_sg_wakeup_stats take over a sched group (load, running CPUs,
 * h_nr_running, idle CPUs) for every span a group can be: the SMT, MC and DIE spans.
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
    /** CPUs with h_nr_running above 1. */
    private int overloaded;
    /** Each CPU's LLC, or -1 when it has no LLC domain (sd_llc is NULL). */
    private final int[] llcOf;
    private final int[] busyInLlc;
    /** LLCs with more than one busy CPU. */
    private int llcsWithTwoBusy;
    /** Whether each CPU has a current task, as last reported. */
    private final boolean[] running;
    /**
     * Per topology level below NUMA ({@link SchedDomain.Level} ordinal), the first CPU of each CPU's
     * span; the sums of a span sit at its first CPU. Null until {@link #useSpans}.
     */
    private int[][] spanFirst;
    private int[][] spanNr;
    private long[][] spanLoad;
    private int[][] spanRunning;
    private int[][] spanIdle;

    RootDomain(SimCpu[] cpus, CfsRq[] rootRq) {
        this.cpus = cpus;
        this.rootRq = rootRq;
        int n = cpus.length;
        this.nrRunning = new int[n];
        this.load = new long[n];
        this.idle = new long[(n + 63) >>> 6];
        this.llcOf = new int[n];
        this.busyInLlc = new int[n];
        this.running = new boolean[n];
        for (int c = 0; c < n; c++) {
            running[c] = cpus[c].curr != null;
            llcOf[c] = -1;
            nrRunning[c] = rootRq[c].hNrRunning;
            load[c] = rootRq[c].load;
            if (computeIdle(c)) {
                idle[c >>> 6] |= 1L << (c & 63);
            }
            if (nrRunning[c] > 1) {
                overloaded++;
            }
            rootRq[c].rd = this;
        }
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
        int levels = first.length;
        int n = cpus.length;
        spanNr = new int[levels][n];
        spanLoad = new long[levels][n];
        spanRunning = new int[levels][n];
        spanIdle = new int[levels][n];
        for (int l = 0; l < levels; l++) {
            for (int c = 0; c < n; c++) {
                int s = first[l][c];
                spanNr[l][s] += nrRunning[c];
                spanLoad[l][s] += load[c];
                spanRunning[l][s] += running[c] ? 1 : 0;
                spanIdle[l][s] += idle(c) ? 1 : 0;
            }
        }
        spanFirst = first;
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
            run = running[head] ? 1 : 0;
            idl = idle(head) ? 1 : 0;
        } else {
            nr = spanNr[level][head];
            s.load = spanLoad[level][head];
            run = spanRunning[level][head];
            idl = spanIdle[level][head];
        }
        s.util = run * LoadBalance.SCHED_CAPACITY_SCALE;
        s.runnable = nr * LoadBalance.SCHED_CAPACITY_SCALE;
        s.sumNrRunning = nr;
        s.sumHNrRunning = nr;
        s.idleCpus = idl;
    }

    boolean idle(int c) {
        return (idle[c >>> 6] & (1L << (c & 63))) != 0;
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
        if (spanFirst != null) {
            for (int l = 0; l < spanFirst.length; l++) {
                spanNr[l][spanFirst[l][c]] += now - before;
            }
        }
        idleMaybeChanged(c);
    }

    /** CPU {@code c}'s root queue changed its load. */
    void loadChanged(int c) {
        long before = load[c];
        load[c] = rootRq[c].load;
        if (spanFirst != null) {
            for (int l = 0; l < spanFirst.length; l++) {
                spanLoad[l][spanFirst[l][c]] += load[c] - before;
            }
        }
    }

    /** CPU {@code c}'s current task changed. */
    void currChanged(int c) {
        boolean now = cpus[c].curr != null;
        if (now != running[c]) {
            running[c] = now;
            if (spanFirst != null) {
                for (int l = 0; l < spanFirst.length; l++) {
                    spanRunning[l][spanFirst[l][c]] += now ? 1 : -1;
                }
            }
        }
        idleMaybeChanged(c);
    }

    private void idleMaybeChanged(int c) {
        boolean now = computeIdle(c);
        if (now == idle(c)) {
            return;
        }
        if (now) {
            idle[c >>> 6] |= 1L << (c & 63);
        } else {
            idle[c >>> 6] &= ~(1L << (c & 63));
        }
        if (llcOf[c] >= 0) {
            busyChanged(llcOf[c], now ? -1 : 1);
        }
        if (spanFirst != null) {
            for (int l = 0; l < spanFirst.length; l++) {
                spanIdle[l][spanFirst[l][c]] += now ? 1 : -1;
            }
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
        if (spanFirst == null) {
            return;
        }
        for (int l = 0; l < spanFirst.length; l++) {
            int[] nr = new int[cpus.length];
            long[] ld = new long[cpus.length];
            int[] run = new int[cpus.length];
            int[] idl = new int[cpus.length];
            for (int c = 0; c < cpus.length; c++) {
                int s = spanFirst[l][c];
                nr[s] += rootRq[c].hNrRunning;
                ld[s] += rootRq[c].load;
                run[s] += cpus[c].curr != null ? 1 : 0;
                idl[s] += computeIdle(c) ? 1 : 0;
            }
            for (int s = 0; s < cpus.length; s++) {
                if (nr[s] != spanNr[l][s] || ld[s] != spanLoad[l][s] || run[s] != spanRunning[l][s]
                        || idl[s] != spanIdle[l][s]) {
                    out.add("root domain sums of the " + SchedDomain.Level.values()[l] + " span at cpu " + s
                            + " are nr " + spanNr[l][s] + " load " + spanLoad[l][s] + " running " + spanRunning[l][s]
                            + " idle " + spanIdle[l][s] + " but its CPUs have " + nr[s] + ", " + ld[s] + ", "
                            + run[s] + ", " + idl[s]);
                }
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
