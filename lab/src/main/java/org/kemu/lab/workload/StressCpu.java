package org.kemu.lab.workload;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.SyntheticLoads;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/** {@code stress-ng -c N}: N user CPU workers, each a fixed amount of pure CPU work (SyntheticLoads). */
public final class StressCpu {
    private StressCpu() {
    }

    public static List<Task> spawn(Kernel k, long tgid, int workers, long cpuNsPerWorker) {
        return spawn(k, TaskSpec.user("stress-ng-cpu", tgid), workers, cpuNsPerWorker);
    }

    /** As above, each worker a copy of {@code spec} (its tgid, nice, affinity) named {@code <name>#i}. */
    public static List<Task> spawn(Kernel k, TaskSpec spec, int workers, long cpuNsPerWorker) {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            tasks.add(SyntheticLoads.cpuHog(k, new TaskSpec(spec.name() + "#" + i, spec.kthread(), spec.nice(), spec.policy(), spec.affinity(), spec.tgid()), cpuNsPerWorker));
        }
        return tasks;
    }
}
