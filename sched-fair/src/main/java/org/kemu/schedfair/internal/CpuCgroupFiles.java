package org.kemu.schedfair.internal;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuStat;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.Task;

/**
 * The interface files of a cgroup v2 cpu controller group, shared by both backends: parsing,
 * limits and errnos as kernel/sched/core.c has them (docs/kernel/sched-fair.md sections 1.1 and 2.2),
 * with the effect of a successful write left to the backend's hooks.
 */
public abstract class CpuCgroupFiles implements CpuCgroup {
    /** min_cfs_quota_period: 1 ms. */
    public static final long MIN_CFS_QUOTA_PERIOD_NS = 1_000_000L;
    /** max_cfs_quota_period: 1 s. */
    public static final long MAX_CFS_QUOTA_PERIOD_NS = 1_000_000_000L;
    /** max_cfs_runtime = MAX_BW * NSEC_PER_USEC with MAX_BW = 2^(64-BW_SHIFT) - 1, BW_SHIFT 20. */
    public static final long MAX_CFS_RUNTIME_NS = ((1L << 44) - 1) * 1000L;
    /** Default period, 100 ms. */
    public static final long DEFAULT_PERIOD_NS = 100_000_000L;
    public static final long RUNTIME_INF = -1;

    protected final String path;
    protected final CpuCgroupFiles parent;
    protected final List<CpuCgroupFiles> children = new ArrayList<>();
    protected final List<Task> tasks = new ArrayList<>();
    protected long quotaNs = RUNTIME_INF;
    protected long periodNs = DEFAULT_PERIOD_NS;
    protected long burstNs;
    protected long weight = 100;
    protected boolean idle;
    /** The release whose cpu.max and cpu.stat rules apply. */
    private final KernelVersion version;

    protected CpuCgroupFiles(String path, CpuCgroupFiles parent, KernelVersion version) {
        this.path = path;
        this.parent = parent;
        this.version = java.util.Objects.requireNonNull(version, "version");
    }

    public KernelVersion version() {
        return version;
    }

    /** Applies new bandwidth limits (tg_set_cfs_bandwidth); quota may be RUNTIME_INF. */
    protected abstract void applyBandwidth(long quota, long period, long burst);

    /** Applies new shares (sched_group_set_shares). */
    protected abstract void applyShares(long shares);

    /** Applies cpu.idle (sched_group_set_idle). */
    protected abstract void applyIdle(boolean idle);

    /** The group's cpu.stat. */
    @Override
    public abstract CpuStat cpuStat();

    public boolean isRoot() {
        return parent == null;
    }

    /** Whether this group hangs below {@code root}: a controller owns only its own hierarchy. */
    public boolean isIn(CpuCgroupFiles root) {
        CpuCgroupFiles g = this;
        while (g.parent != null) {
            g = g.parent;
        }
        return g == root;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public CpuCgroup parent() {
        return parent;
    }

    @Override
    public List<CpuCgroup> children() {
        return List.copyOf(children);
    }

    @Override
    public List<Task> tasks() {
        return List.copyOf(tasks);
    }

    private void notOnRoot(String file) {
        KernelException.require(!isRoot(), Errno.ENOENT, file + ":not_on_root",
                file + " does not exist on the root cgroup");
    }

    private static long parseU64(String s, String file) {
        try {
            long v = Long.parseLong(s.trim());
            KernelException.require(v >= 0, Errno.EINVAL, file + ":parse", "not an unsigned number: '" + s + "'");
            return v;
        } catch (NumberFormatException e) {
            throw new KernelException(Errno.EINVAL, file + ":parse", "not a number: '" + s + "'");
        }
    }

    private static long usToNs(long us, String file) {
        KernelException.require(us <= Long.MAX_VALUE / 1000, Errno.EINVAL, file + ":overflow",
                us + " us overflows nanoseconds");
        return us * 1000;
    }

    /**
     * cpu_max_write: "$MAX $PERIOD" or "$MAX", MAX being "max" or µs, with the current burst passed
     * on to tg_set_cfs_bandwidth. Up to v6.10 that burst is {@code tg_get_cfs_burst()}, in µs where
     * ns are meant, so the write leaves the burst 1000 times smaller
     * ({@link KernelVersion#cpuMaxPassesBurstInUsec}); after the fix a quota below the burst fails the
     * burst check with EINVAL and changes nothing.
     */
    @Override
    public void writeCpuMax(String value) {
        notOnRoot("cpu.max");
        String[] tok = value.trim().split("\\s+");
        KernelException.require(tok.length >= 1 && tok.length <= 2 && !tok[0].isEmpty(), Errno.EINVAL,
                "cpu.max:parse", "expected \"$MAX [$PERIOD]\", got '" + value + "'");
        long period = periodNs;
        if (tok.length == 2) {
            period = usToNs(parseU64(tok[1], "cpu.max"), "cpu.max");
        }
        long quota = tok[0].equals("max") ? RUNTIME_INF : usToNs(parseU64(tok[0], "cpu.max"), "cpu.max");
        long burst = version.cpuMaxPassesBurstInUsec() ? burstNs / 1000 : burstNs;
        setBandwidth(quota, period, burst);
    }

    /** tg_set_cfs_bandwidth's checks, in the kernel's order. */
    private void setBandwidth(long quota, long period, long burst) {
        KernelException.require(quota == RUNTIME_INF || quota >= MIN_CFS_QUOTA_PERIOD_NS, Errno.EINVAL,
                "cfs_bandwidth:quota_min", "quota " + quota / 1000 + " us is below 1000 us");
        KernelException.require(period >= MIN_CFS_QUOTA_PERIOD_NS, Errno.EINVAL, "cfs_bandwidth:period_min",
                "period " + period / 1000 + " us is below 1000 us");
        KernelException.require(period <= MAX_CFS_QUOTA_PERIOD_NS, Errno.EINVAL, "cfs_bandwidth:period_max",
                "period " + period / 1000 + " us is above 1000000 us");
        KernelException.require(quota == RUNTIME_INF || quota <= MAX_CFS_RUNTIME_NS, Errno.EINVAL,
                "cfs_bandwidth:quota_max", "quota " + quota / 1000 + " us exceeds max_cfs_runtime");
        KernelException.require(quota == RUNTIME_INF || (burst <= quota && burst + quota <= MAX_CFS_RUNTIME_NS),
                Errno.EINVAL, "cfs_bandwidth:burst", "burst " + burst / 1000 + " us does not fit quota "
                        + quota / 1000 + " us");
        quotaNs = quota;
        periodNs = period;
        burstNs = burst;
        applyBandwidth(quota, period, burst);
    }

    @Override
    public String readCpuMax() {
        notOnRoot("cpu.max");
        return (quotaNs == RUNTIME_INF ? "max" : Long.toString(quotaNs / 1000)) + " " + periodNs / 1000;
    }

    @Override
    public void writeCpuMaxBurst(String value) {
        notOnRoot("cpu.max.burst");
        long burst = usToNs(parseU64(value, "cpu.max.burst"), "cpu.max.burst");
        setBandwidth(quotaNs, periodNs, burst);
    }

    @Override
    public String readCpuMaxBurst() {
        notOnRoot("cpu.max.burst");
        return Long.toString(burstNs / 1000);
    }

    /** sched_weight_from_cgroup: shares = DIV_ROUND_CLOSEST(w * 1024, 100). */
    public static long sharesFromWeight(long w) {
        return (w * Nice.NICE_0_LOAD + 50) / 100;
    }

    /** sched_weight_to_cgroup: the reverse, rounded the same way and clamped to 1..10000. */
    public static long weightFromShares(long shares) {
        return Math.max(1, Math.min(10000, (shares * 100 + Nice.NICE_0_LOAD / 2) / Nice.NICE_0_LOAD));
    }

    /** cpu_weight_write_u64: ERANGE outside 1..10000; EINVAL on an idle group. */
    @Override
    public void writeCpuWeight(String value) {
        notOnRoot("cpu.weight");
        long w = parseU64(value, "cpu.weight");
        KernelException.require(w >= 1 && w <= 10000, Errno.ERANGE, "cpu.weight:range",
                "weight " + w + " outside 1..10000");
        KernelException.require(!idle, Errno.EINVAL, "cpu.weight:idle", "the group is idle (cpu.idle=1)");
        weight = w;
        applyShares(sharesFromWeight(w));
    }

    @Override
    public String readCpuWeight() {
        notOnRoot("cpu.weight");
        return idle ? "0" : Long.toString(weight);
    }

    /** cpu_weight_nice_write_s64: ERANGE outside -20..19; the weight of that nice. */
    @Override
    public void writeCpuWeightNice(String value) {
        notOnRoot("cpu.weight.nice");
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new KernelException(Errno.EINVAL, "cpu.weight.nice:parse", "not a number: '" + value + "'");
        }
        KernelException.require(n >= Nice.MIN_NICE && n <= Nice.MAX_NICE, Errno.ERANGE, "cpu.weight.nice:range",
                "nice " + n + " outside -20..19");
        KernelException.require(!idle, Errno.EINVAL, "cpu.weight:idle", "the group is idle (cpu.idle=1)");
        long shares = Nice.weight((int) n);
        weight = weightFromShares(shares);
        applyShares(shares);
    }

    @Override
    public String readCpuWeightNice() {
        notOnRoot("cpu.weight.nice");
        return Integer.toString(Nice.closestNice(sharesFromWeight(weight)));
    }

    /** sched_group_set_idle: EINVAL unless 0 or 1, and on the root. */
    @Override
    public void writeCpuIdle(String value) {
        KernelException.require(!isRoot(), Errno.EINVAL, "cpu.idle:root", "the root group cannot be idle");
        long v;
        try {
            v = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new KernelException(Errno.EINVAL, "cpu.idle:parse", "not a number: '" + value + "'");
        }
        KernelException.require(v == 0 || v == 1, Errno.EINVAL, "cpu.idle:range", "cpu.idle must be 0 or 1");
        idle = v == 1;
        applyIdle(idle);
    }

    @Override
    public String readCpuIdle() {
        return idle ? "1" : "0";
    }

    @Override
    public String readCpuStat() {
        CpuStat s = cpuStat();
        StringBuilder sb = new StringBuilder();
        sb.append("usage_usec ").append(s.usageUsec()).append('\n');
        sb.append("user_usec ").append(s.userUsec()).append('\n');
        sb.append("system_usec ").append(s.systemUsec()).append('\n');
        if (version.cpuStatNiceUsec()) {
            // cgroup_base_stat_cputime_show: nice_usec follows system_usec from v6.13
            sb.append("nice_usec ").append(s.niceUsec()).append('\n');
        }
        if (!isRoot()) {
            sb.append("nr_periods ").append(s.nrPeriods()).append('\n');
            sb.append("nr_throttled ").append(s.nrThrottled()).append('\n');
            sb.append("throttled_usec ").append(s.throttledUsec()).append('\n');
            if (version.burstStatistics()) {
                // cpu_extra_stat_show: the burst lines came with the statistics in v5.16
                sb.append("nr_bursts ").append(s.nrBursts()).append('\n');
                sb.append("burst_usec ").append(s.burstUsec()).append('\n');
            }
        }
        return sb.toString();
    }

    public long quotaNs() {
        return quotaNs;
    }

    public long periodNs() {
        return periodNs;
    }

    /** Adds a child (for the controller's mkdir). */
    public void addChild(CpuCgroupFiles child) {
        children.add(child);
    }

    public List<CpuCgroupFiles> childNodes() {
        return children;
    }

    public List<Task> taskList() {
        return tasks;
    }

    /** Checks a new group name as cgroup_mkdir would: non-empty, no '/', not "." or "..". */
    public static void checkName(String name) {
        KernelException.require(name != null && !name.isEmpty() && !name.contains("/") && !name.equals(".")
                && !name.equals("..") && !name.contains("\n"), Errno.EINVAL, "cgroup_mkdir:name",
                "bad cgroup name '" + name + "'");
    }

    /**
     * max_cfs_bandwidth_cpus of patch 12: nr_cpu_ids for the root or an unlimited group, else quota
     * / period rounded down, of this group only; 0 when the quota is below one period, as in the
     * patch (see CpuController). The min with nr_cpu_ids only keeps the int in range: a quota of
     * more CPUs than exist caps nothing either way.
     */
    public int maxCfsBandwidthCpus(int nrCpuIds) {
        if (isRoot() || quotaNs == RUNTIME_INF) {
            return nrCpuIds;
        }
        return (int) Math.min(nrCpuIds, quotaNs / periodNs);
    }
}
