package org.kemu.mmgup;

import org.kemu.schedfair.MemCgroup;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskMemory;

/**
 * Writing a process's pid to a memory cgroup's {@code cgroup.procs} (cgroup v2): the task moves
 * ({@code TaskMemory}'s memcg, what padata's ACTIVE_MEMCG hands its helpers) and so does its mm, whose
 * owner it is ({@code mm->owner}, what {@code get_mem_cgroup_from_mm} follows). Charges already made
 * stay with the group that was charged, as cgroup v2 does not move them.
 */
public final class CgroupProcs {
    private CgroupProcs() {
    }

    /** Moves {@code owner} and the mm it carries (if any) to {@code memcg}. */
    public static void write(Task owner, MemCgroup memcg) {
        TaskMemory.set(owner, TaskMemory.of(owner).withMemcg(memcg));
        MmStruct mm = owner.attachment(MmStruct.class);
        if (mm != null) {
            mm.setMemcg(memcg);
        }
    }
}
