package org.kemu.schedfair;

/**
 * The cgroup v2 cpu controller of a kernel: the group hierarchy, task placement, bandwidth control
 * and the 2022 series' additions ({@code max_cfs_bandwidth_cpus}, remote charging).
 */
public interface CpuController {
    CpuCgroup root();

    /** mkdir: EEXIST if a child of that name exists, EINVAL for a bad name. */
    CpuCgroup mkdir(CpuCgroup parent, String name);

    /** rmdir: EBUSY while the group has tasks or children; EINVAL for the root. */
    void rmdir(CpuCgroup group);

    /** Moves a task into a group (a write to cgroup.threads). */
    void attach(Task task, CpuCgroup group);

    CpuCgroup cgroupOf(Task task);

    /**
     * {@code max_cfs_bandwidth_cpus()} of patch 12 of the 2022 series: nr_cpu_ids for the root or an
     * unlimited group, else quota / period rounded down, of the group itself only (not its
     * ancestors). This is 0 when the quota is below one period, as in the patch: padata's job then
     * skips its single-thread shortcut (which tests {@code nworks == 1}) and runs the multithreaded
     * path with the main thread alone.
     */
    int maxCfsBandwidthCpus(CpuCgroup group);

    /** {@code cpu_cgroup_remote_begin}: starts counting {@code kthread}'s runtime for {@code group}. */
    void remoteBegin(Task kthread, CpuCgroup group);

    /** {@code cpu_cgroup_remote_charge}: charges the runtime since the last begin/charge as debt. */
    void remoteCharge(Task kthread, CpuCgroup group);
}
