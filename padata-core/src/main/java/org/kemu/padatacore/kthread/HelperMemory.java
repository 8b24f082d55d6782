package org.kemu.padatacore.kthread;

import org.kemu.padatacore.PadataFeatures;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskMemory;

/**
 * What a helper's memory fields are while it runs a job's chunks, for the RFC's TODOs "Memory
 * controller limits for helpers via active_memcg", "cpuset.mems" and "NUMA memory policy" (not in
 * 5.14 nor the posted series; each behind its {@link PadataFeatures} switch). With
 * {@link PadataFeatures.Switch#ACTIVE_MEMCG} the helper does {@code set_active_memcg(main's memcg)},
 * the 5.14 interface for a kthread charging on another group's behalf; with
 * {@link PadataFeatures.Switch#FOLLOW_MAIN_MEMS} it takes the main task's {@code mems_allowed} and
 * {@code mempolicy} (as {@code cpuset_mems_allowed()} and {@code mpol_dup} would hand them over).
 * The helper's own fields come back when it leaves the job.
 */
final class HelperMemory {
    private HelperMemory() {
    }

    static TaskMemory adopt(PadataFeatures f, Task helper, Task main) {
        TaskMemory mine = TaskMemory.of(helper);
        TaskMemory theirs = TaskMemory.of(main);
        if (f.activeMemcg()) {
            mine = mine.withActiveMemcg(theirs.memcg());
        }
        if (f.followMainMems()) {
            mine = mine.withMemsAllowed(theirs.memsAllowed()).withMempolicy(theirs.mempolicy());
        }
        return mine;
    }
}
