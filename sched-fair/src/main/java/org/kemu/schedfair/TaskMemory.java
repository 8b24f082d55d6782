package org.kemu.schedfair;

import java.util.Objects;

/**
 * The memory fields of a {@code task_struct} that decide where and to whom its allocations go:
 * {@code mems_allowed} (its cpuset's {@code cpuset.mems}), {@code mempolicy}, its memory cgroup and
 * {@code active_memcg} (5.14 include/linux/sched/mm.h {@code set_active_memcg}). Kept as a task
 * attachment; a task without one (every kthread, and user tasks nobody configured) is in the root
 * cpuset and memcg with the default policy, which is how 5.14 starts kthreads.
 *
 * <p>Here beside {@link Task} rather than in mm-gup because padata (a sibling of mm-gup) hands them
 * from the main task to its helpers, and both see this API package.
 *
 * @param memsAllowed the nodes the task may allocate from, {@code null} for every node with memory
 * @param activeMemcg the remote memcg {@code set_active_memcg} installed, or {@code null}
 */
public record TaskMemory(NodeMask memsAllowed, Mempolicy mempolicy, MemCgroup memcg, MemCgroup activeMemcg) {
    /** A kthread's: root cpuset (every node), default policy, root memcg, no active memcg. */
    public static final TaskMemory DEFAULTS = new TaskMemory(null, Mempolicy.DEFAULT, MemCgroup.ROOT, null);

    public TaskMemory {
        Objects.requireNonNull(mempolicy, "mempolicy");
        Objects.requireNonNull(memcg, "memcg");
    }

    /** What {@code task} has: its attachment, or the root cpuset and memcg with the default policy. */
    public static TaskMemory of(Task task) {
        TaskMemory m = task.attachment(TaskMemory.class);
        return m != null ? m : DEFAULTS;
    }

    /** Replaces what {@code task} has ({@code null}: back to the defaults). */
    public static void set(Task task, TaskMemory m) {
        task.attach(TaskMemory.class, m);
    }

    /** {@code mems_allowed} on a machine of {@code nrNodes} nodes. */
    public NodeMask memsAllowed(int nrNodes) {
        return memsAllowed == null ? NodeMask.all(nrNodes) : memsAllowed.and(NodeMask.all(nrNodes));
    }

    /** {@code cpuset_zone_allowed} for a hardwall allocation ({@code GFP_HIGHUSER} has __GFP_HARDWALL). */
    public boolean nodeAllowed(int nid) {
        return memsAllowed == null || memsAllowed.contains(nid);
    }

    public TaskMemory withMemsAllowed(NodeMask mems) {
        return new TaskMemory(mems, mempolicy, memcg, activeMemcg);
    }

    public TaskMemory withMempolicy(Mempolicy p) {
        return new TaskMemory(memsAllowed, p, memcg, activeMemcg);
    }

    public TaskMemory withMemcg(MemCgroup cg) {
        return new TaskMemory(memsAllowed, mempolicy, cg, activeMemcg);
    }

    /** {@code set_active_memcg(memcg)}: {@code null} clears it. */
    public TaskMemory withActiveMemcg(MemCgroup cg) {
        return new TaskMemory(memsAllowed, mempolicy, memcg, cg);
    }

    /**
     * The memcg a charge of the current task goes to when the allocation names no mm (5.14
     * {@code get_mem_cgroup_from_mm(NULL)} and {@code get_obj_cgroup_from_current} for
     * {@code __GFP_ACCOUNT}): the active memcg if one is set, else the task's own group.
     */
    public MemCgroup chargeTarget() {
        return activeMemcg != null ? activeMemcg : memcg;
    }
}
