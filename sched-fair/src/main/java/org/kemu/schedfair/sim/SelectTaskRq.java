package org.kemu.schedfair.sim;

import org.kemu.schedfair.CpuMask;

/**
 * select_task_rq_fair of kernel/sched/fair.c v5.14: a wake-up goes to wake_affine's choice between
 * the waker's and the previous CPU, refined by select_idle_sibling within that CPU's LLC; a fork
 * takes the slow path, find_idlest_cpu, down from the highest SD_BALANCE_FORK domain (with
 * find_idlest_group's NUMA allowance, which keeps a new task on its parent's node while that node
 * runs fewer tasks than a quarter of the domain's CPUs).
 *
 * <p>Departures: wake_wide (wakee flips) is not tracked, so every wake-up with an allowed waker CPU
 * wants affine; there are no sync wake-ups; SIS_PROP's scan limit divides the predicted idle time
 * by the measured scan cost (cpu_clock), which the emulator has no cost for, so the idle-CPU scan
 * covers the whole LLC; has_idle_cores is exact instead of a hint; sched_idle_cpu is not used.
 * The CPUs' idle states all look alike (find_idlest_group_cpu then prefers the most recently
 * idled CPU, the first one scanned on ties).
 */
final class SelectTaskRq {
    private final LoadBalance lb;
    private final SimCpu[] cpus;
    private final FairClass fair;

    SelectTaskRq(LoadBalance lb, SimCpu[] cpus, FairClass fair) {
        this.lb = lb;
        this.cpus = cpus;
        this.fair = fair;
    }

    private boolean idle(int c) {
        return lb.idleCpu(c);
    }

    private boolean shareCache(int a, int b) {
        SchedDomain d = lb.sdLlc[a];
        return a == b || d != null && d.spans(b);
    }

    /**
     * select_task_rq_fair. {@code waker} is the CPU doing the wake-up or fork (-1 from a timer),
     * {@code prev} the task's previous CPU (the parent's CPU for a fork).
     */
    int select(SimTask p, int prev, int waker, boolean fork, CpuMask allowed) {
        int cpu = waker >= 0 ? waker : prev;
        int newCpu = prev;
        int result;
        if (fork) {
            SchedDomain sd = null;
            for (SchedDomain t = lb.sd[cpu]; t != null; t = t.parent) {
                if (!t.has(SchedDomain.SD_BALANCE_FORK)) {
                    break;
                }
                sd = t;
            }
            result = sd != null ? findIdlestCpu(sd, p, cpu, prev, allowed) : prev;
        } else {
            boolean wantAffine = allowed.contains(cpu);
            for (SchedDomain t = lb.sd[cpu]; t != null; t = t.parent) {
                if (wantAffine && t.has(SchedDomain.SD_WAKE_AFFINE) && t.spans(prev)) {
                    if (cpu != prev) {
                        newCpu = wakeAffine(t, p, cpu, prev);
                    }
                    break;
                }
            }
            result = selectIdleSibling(p, prev, newCpu, allowed);
            if (wantAffine && waker >= 0) {
                SimTask w = cpus[waker].curr;
                if (w != null) {
                    w.recentUsedCpu = cpu;
                }
            }
        }
        return result;
    }

    /** wake_affine: wake_affine_idle, then wake_affine_weight; else the previous CPU. */
    private int wakeAffine(SchedDomain sd, SimTask p, int thisCpu, int prev) {
        // wake_affine_idle (no sync wake-ups)
        if (idle(thisCpu) && shareCache(thisCpu, prev)) {
            return idle(prev) ? prev : thisCpu;
        }
        if (idle(prev)) {
            return prev;
        }
        // wake_affine_weight with WA_BIAS; the sleeping task is on neither queue here, which is what
        // the kernel's subtraction of its load from prev's average achieves
        long taskLoad = LoadBalance.taskHLoad(p);
        long thisEff = (lb.cpuLoad(thisCpu) + taskLoad) * 100 * LoadBalance.SCHED_CAPACITY_SCALE;
        long prevEff = lb.cpuLoad(prev) * (100 + (sd.imbalancePct - 100) / 2) * LoadBalance.SCHED_CAPACITY_SCALE;
        return thisEff < prevEff ? thisCpu : prev;
    }

    /** select_idle_sibling: target, prev, recent_used_cpu, then select_idle_cpu in target's LLC. */
    private int selectIdleSibling(SimTask p, int prev, int target, CpuMask allowed) {
        if (allowed.contains(target) && idle(target)) {
            return target;
        }
        if (prev != target && shareCache(prev, target) && allowed.contains(prev) && idle(prev)) {
            return prev;
        }
        int recent = p.recentUsedCpu;
        if (recent >= 0 && recent != prev && recent != target && shareCache(recent, target) && idle(recent)
                && allowed.contains(recent)) {
            p.recentUsedCpu = prev;
            return recent;
        }
        SchedDomain llc = lb.sdLlc[target];
        if (llc == null) {
            return target;
        }
        int i = selectIdleCpu(llc, target, allowed);
        return i >= 0 ? i : target;
    }

    /** select_idle_cpu: with an idle core in the LLC, select_idle_core over cores; else the first idle CPU. */
    private int selectIdleCpu(SchedDomain llc, int target, CpuMask allowed) {
        boolean smt = lb.topo.threadsPerCore() > 1;
        boolean hasIdleCore = smt && hasIdleCore(llc);
        int[] span = llc.span;
        int start = 0;
        // for_each_cpu_wrap(cpu, cpus, target + 1): ascending CPU ids from target + 1
        int[] sorted = span.clone();
        java.util.Arrays.sort(sorted);
        while (start < sorted.length && sorted[start] <= target) {
            start++;
        }
        int idleCpu = -1;
        java.util.BitSet skipped = new java.util.BitSet();
        for (int k = 0; k < sorted.length; k++) {
            int c = sorted[(start + k) % sorted.length];
            if (!allowed.contains(c) || skipped.get(c)) {
                continue;
            }
            if (hasIdleCore) {
                // select_idle_core
                boolean coreIdle = true;
                for (int s : lb.topo.siblingsOf(c).toArray()) {
                    if (!idle(s)) {
                        coreIdle = false;
                    } else if (idleCpu < 0 && allowed.contains(s)) {
                        idleCpu = s;
                    }
                    skipped.set(s);
                }
                if (coreIdle) {
                    return c;
                }
            } else if (idle(c)) {
                return c;
            }
        }
        return idleCpu;
    }

    private boolean hasIdleCore(SchedDomain llc) {
        for (int c : llc.span) {
            boolean all = true;
            for (int s : lb.topo.siblingsOf(c).toArray()) {
                if (!idle(s)) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    // ---- the slow path ------------------------------------------------------------------------

    /** find_idlest_cpu: find_idlest_group then find_idlest_group_cpu, level by level downwards. */
    private int findIdlestCpu(SchedDomain sd, SimTask p, int cpu, int prev, CpuMask allowed) {
        if (!allowed.intersects(sd.spanCpus)) {
            return prev;
        }
        int newCpu = cpu;
        while (sd != null) {
            if (!sd.has(SchedDomain.SD_BALANCE_FORK)) {
                sd = sd.child;
                continue;
            }
            int[] group = findIdlestGroup(sd, p, cpu, allowed);
            if (group == null) {
                sd = sd.child;
                continue;
            }
            newCpu = findIdlestGroupCpu(group, cpu, allowed);
            if (newCpu == cpu) {
                sd = sd.child;
                continue;
            }
            cpu = newCpu;
            int weight = sd.weight();
            sd = null;
            for (SchedDomain t = lb.sd[cpu]; t != null; t = t.parent) {
                if (weight <= t.weight()) {
                    break;
                }
                if (t.has(SchedDomain.SD_BALANCE_FORK)) {
                    sd = t;
                }
            }
        }
        return newCpu;
    }

    /**
     * The three sg_wakeup_stats find_idlest_group holds at once (local, idlest so far, the group
     * being read), reused from fork to fork as load balancing reuses its sg_lb_stats; which object
     * plays which role changes as groups are compared.
     */
    private final LoadBalance.GroupStats[] statsSlots = {
        new LoadBalance.GroupStats(), new LoadBalance.GroupStats(), new LoadBalance.GroupStats()};

    /** find_idlest_group (v5.14), for a new task (on no queue). */
    private int[] findIdlestGroup(SchedDomain sd, SimTask p, int thisCpu, CpuMask allowed) {
        LoadBalance.GroupStats local = null;
        LoadBalance.GroupStats idlest = statsSlots[0];
        LoadBalance.GroupStats scratch = statsSlots[1];
        LoadBalance.GroupStats spare = statsSlots[2];
        idlest.clear();
        idlest.type = LoadBalance.GroupType.OVERLOADED;
        idlest.avgLoad = Long.MAX_VALUE;
        int[] idlestGroup = null;
        for (int i = 0; i < sd.groups.length; i++) {
            int[] g = sd.groups[i];
            CpuMask span = sd.groupCpus(i);
            if (!allowed.intersects(span)) {
                continue;
            }
            boolean isLocal = span.contains(thisCpu);
            LoadBalance.GroupStats s = wakeupStats(scratch, sd, i);
            if (isLocal) {
                // the local group is read once (groups are disjoint): its object stays out of the rotation
                local = s;
                scratch = spare;
            } else if (pickIdlest(idlest, s)) {
                // the old idlest becomes the next group's scratch
                scratch = idlest;
                idlest = s;
                idlestGroup = g;
            }
        }
        if (idlestGroup == null) {
            return null;
        }
        if (local == null) {
            return idlestGroup;
        }
        if (local.type.ordinal() < idlest.type.ordinal()) {
            return null;
        }
        if (local.type.ordinal() > idlest.type.ordinal()) {
            return idlestGroup;
        }
        switch (local.type) {
            case OVERLOADED, FULLY_BUSY -> {
                long imbalance = 1024L * (sd.imbalancePct - 100) / 100;
                if (sd.has(SchedDomain.SD_NUMA) && idlest.avgLoad + imbalance >= local.avgLoad) {
                    return null;
                }
                if (idlest.avgLoad >= local.avgLoad + imbalance) {
                    return null;
                }
                if (100 * local.avgLoad <= sd.imbalancePct * idlest.avgLoad) {
                    return null;
                }
            }
            case HAS_SPARE -> {
                // keep the task on this node while it is lightly used; periodic balancing spreads it
                if (sd.has(SchedDomain.SD_NUMA) && LoadBalance.allowNumaImbalance(local.sumNrRunning, sd.weight())) {
                    return null;
                }
                if (local.idleCpus >= idlest.idleCpus) {
                    return null;
                }
            }
            default -> {
                return null;
            }
        }
        return idlestGroup;
    }

    /** update_sg_wakeup_stats for group {@code i} of {@code sd} into {@code s}, from the root domain's sums of its span. */
    private LoadBalance.GroupStats wakeupStats(LoadBalance.GroupStats s, SchedDomain sd, int i) {
        s.clear();
        int[] g = sd.groups[i];
        lb.rd.groupSums(sd.groupLevel, g[0], s);
        s.weight = g.length;
        s.capacity = g.length * LoadBalance.SCHED_CAPACITY_SCALE;
        s.type = LoadBalance.classify(sd.imbalancePct, s);
        if (s.type == LoadBalance.GroupType.FULLY_BUSY || s.type == LoadBalance.GroupType.OVERLOADED) {
            s.avgLoad = s.load * LoadBalance.SCHED_CAPACITY_SCALE / s.capacity;
        }
        return s;
    }

    /** update_pick_idlest. */
    private static boolean pickIdlest(LoadBalance.GroupStats idlest, LoadBalance.GroupStats s) {
        if (s.type.ordinal() != idlest.type.ordinal()) {
            return s.type.ordinal() < idlest.type.ordinal();
        }
        return switch (s.type) {
            case OVERLOADED, FULLY_BUSY -> idlest.avgLoad > s.avgLoad;
            case HAS_SPARE -> idlest.idleCpus < s.idleCpus
                    || (idlest.idleCpus == s.idleCpus && idlest.util > s.util);
            default -> false;
        };
    }

    /** find_idlest_group_cpu: the most recently idled allowed CPU, else the least loaded one. */
    private int findIdlestGroupCpu(int[] group, int thisCpu, CpuMask allowed) {
        if (group.length == 1) {
            return group[0];
        }
        int shallowest = -1;
        long latest = Long.MIN_VALUE;
        long minLoad = Long.MAX_VALUE;
        int leastLoaded = thisCpu;
        for (int c : group) {
            if (!allowed.contains(c)) {
                continue;
            }
            if (idle(c)) {
                long stamp = lb.idleStamp[c];
                if (shallowest < 0 || stamp > latest) {
                    latest = stamp;
                    shallowest = c;
                }
            } else if (shallowest < 0) {
                long load = lb.cpuLoad(c);
                if (load < minLoad) {
                    minLoad = load;
                    leastLoaded = c;
                }
            }
        }
        return shallowest >= 0 ? shallowest : leastLoaded;
    }
}
