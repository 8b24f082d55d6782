package org.kemu.schedfair;

/**
 * Which kernel release the emulator follows where releases differ (docs/kernel-versions.md lists each
 * difference with the commit or release that made it). One value selects every version-dependent
 * behaviour of the run coherently; the explicit options that existed before it ({@link PickPolicy},
 * {@link ThrottleModel}, vfio-type1's overflow checks) stay as overrides on top. The accessors below
 * are what the modules read; a module never compares versions itself.
 */
public enum KernelVersion {
    /** Linux 5.14, the base of the 2022 padata/VFIO series and of the published profiles. */
    V5_14,
    /** Linux 6.6: EEVDF replaces the CFS pick (merged for v6.6). */
    V6_6,
    /** Linux 6.18: task-based CFS bandwidth throttling (merged for v6.18). */
    V6_18;

    /** The release kemu's published profiles and defaults follow. */
    public static final KernelVersion DEFAULT = V5_14;

    /** The fair class's pick rule: CFS before v6.6, EEVDF from v6.6 (commit 147f3efaa241). */
    public PickPolicy pickPolicy() {
        return this == V5_14 ? PickPolicy.CFS : PickPolicy.EEVDF;
    }

    /** cfs_rq throttling before v6.18, the task-based model from v6.18. */
    public ThrottleModel throttleModel() {
        return this == V6_18 ? ThrottleModel.TASK_BASED : ThrottleModel.CFS_RQ;
    }

    /**
     * Whether cpu.stat has {@code nr_bursts} and {@code burst_usec} and the refill counts them:
     * "sched/fair: Add cfs bandwidth burst statistics" (bcb1704a1ed2) came in v5.16, after the
     * burst feature itself (v5.14, f4183717b370).
     */
    public boolean burstStatistics() {
        return this != V5_14;
    }

    /**
     * Whether the period timer starts at a random phase in [0, period): "sched/fair: Interleave cfs
     * bandwidth timers for improved single thread performance at low utilization" (v6.3). Before it
     * the timer starts from expiry 0, so every group's periods fall on one grid.
     */
    public boolean randomPeriodPhase() {
        return this != V5_14;
    }

    /**
     * Whether cpu_max_write passes the current burst to tg_set_cfs_bandwidth in the wrong unit:
     * from v5.14 (f4183717b370) it took {@code tg_get_cfs_burst()}, which is in µs, where ns are
     * expected, so every cpu.max write divides the burst by 1000 (and the burst > quota check
     * practically never fires). "sched/core: Fix incorrect initialization of the 'burst' parameter
     * in cpu_max_write()" (49217ea147df, v6.10) passes the ns value, so from then a quota below the
     * burst is EINVAL.
     */
    public boolean cpuMaxPassesBurstInUsec() {
        return this != V6_18;
    }

    /**
     * Whether vfio type1 MAP_DMA/UNMAP_DMA use Alex Mastro's overflow checks (EOVERFLOW, checked
     * before the container mutex). The series (v6, 28 Oct 2025) landed after v6.18-rc1, so none of
     * the versions here has it; it is reachable only as an explicit override.
     */
    public boolean type1OverflowChecks() {
        return false;
    }

    /**
     * Whether cgroup v2 cpu.stat has a {@code nice_usec} line (after {@code system_usec}):
     * "cgroup/rstat: Tracking cgroup-level niced CPU time" (aefa398d93d5) came in v6.13. kemu counts
     * nice time in every version ({@link CpuStat#niceUsec()}); only the file's text depends on this.
     */
    public boolean cpuStatNiceUsec() {
        return this == V6_18;
    }

    /**
     * What {@code pin_user_pages_remote} returns for invalid arguments. 5.14 checks
     * {@code WARN_ON_ONCE(gup_flags & FOLL_GET)} and returns -EINVAL. Jason Gunthorpe's "mm/gup:
     * simplify the external interface functions and consolidate invalid flag checking" (present in
     * 6.6 and 6.18) moved every check into {@code is_valid_gup_args}, and pin_user_pages_remote
     * returns 0 when it fails; pin_user_pages_fast and get_user_pages still return -EINVAL.
     */
    public boolean pinRemoteInvalidArgsReturnZero() {
        return this != V5_14;
    }

    /**
     * Whether VT-d has the {@code map_pages} callback. 5.14's intel-iommu has only {@code .map}, so
     * {@code __iommu_map} calls {@code intel_iommu_map} once per leaf; "iommu/vt-d: Implement
     * map/unmap_pages() iommu_ops callback" (5.15) maps each run of equal leaves in one call.
     */
    public boolean vtdMapPages() {
        return this != V5_14;
    }

    /** "5.14", "6.6", "6.18". */
    public String release() {
        return name().substring(1).replace('_', '.');
    }

    /** Parses "5.14", "V5_14" or "v5.14". */
    public static KernelVersion parse(String s) {
        String t = s.trim();
        for (KernelVersion v : values()) {
            if (t.equalsIgnoreCase(v.name()) || t.equals(v.release()) || t.equalsIgnoreCase("v" + v.release())) {
                return v;
            }
        }
        throw new KernelException(Errno.EINVAL, "config:kernel_version",
                "unknown kernel version '" + s + "' (known: 5.14, 6.6, 6.18)");
    }
}
