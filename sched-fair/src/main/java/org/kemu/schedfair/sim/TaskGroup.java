package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.Nice;

/**
 * A task group ({@code struct task_group}): a cgroup with the cpu controller. It has one run queue
 * and one group entity per CPU, its shares, and its bandwidth state.
 */
final class TaskGroup {
    /** MIN_SHARES and MAX_SHARES of __sched_group_set_shares (docs/kernel/sched-fair.md section 2.2). */
    static final long MIN_SHARES = 2;
    static final long MAX_SHARES = 1L << 18;

    final String path;
    final String name;
    final TaskGroup parent;
    final List<TaskGroup> children = new ArrayList<>();
    final List<SimTask> tasks = new ArrayList<>();
    final CfsRq[] cfsRq;
    final GroupEntity[] se;
    final CfsBandwidth bw;
    long shares = Nice.NICE_0_LOAD;
    long weightBeforeIdle = 100;
    boolean idle;
    /** Sum over CPUs of this group's queue load, for calc_group_shares. */
    long totalLoad;
    // cpu.stat usage of the subtree, ns
    long usageNs;
    long userNs;
    long systemNs;
    /** The part of userNs run at nice above 0 (CPUTIME_NICE). */
    long niceNs;
    boolean removed;
    /** The cgroup whose files expose this group. */
    SimCgroup cgroup;

    TaskGroup(String path, String name, TaskGroup parent, int nrCpus, java.util.Comparator<SchedEntity> order,
            long groupKey) {
        this.path = path;
        this.name = name;
        this.parent = parent;
        this.cfsRq = new CfsRq[nrCpus];
        this.se = parent == null ? null : new GroupEntity[nrCpus];
        for (int c = 0; c < nrCpus; c++) {
            cfsRq[c] = new CfsRq(this, c, order);
            if (parent != null) {
                se[c] = new GroupEntity(groupKey, cfsRq[c]);
                se[c].weight = shares;
                se[c].cfsRq = parent.cfsRq[c];
            }
        }
        this.bw = parent == null ? null : new CfsBandwidth(this);
    }

    /** The task leaves the group (it exited, or moves to another): off the group's and its cgroup's lists. */
    void removeTask(SimTask t) {
        tasks.remove(t);
        cgroup.taskList().remove(t.task);
    }

    boolean isRoot() {
        return parent == null;
    }
}
