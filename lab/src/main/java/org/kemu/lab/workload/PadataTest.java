package org.kemu.lab.workload;

import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * {@code padata_test} (docs/calibration-inputs.md, patches 13 and 14): a padata job of pure CPU work (tight
 * integer multiplies) over {@code units} units of {@code nsPerUnit} each, with up to {@code threads}
 * threads, started from a kernel thread.
 */
public final class PadataTest {
    private PadataTest() {
    }

    public static Task spawn(Kernel k, Padata padata, long units, long nsPerUnit, int threads) {
        return spawn(k, padata, TaskSpec.kthread("padata_test"), units, nsPerUnit, threads);
    }

    /** As above, from a task of {@code spec} (the experiments restrict its affinity to the CPUs under test). */
    public static Task spawn(Kernel k, Padata padata, TaskSpec spec, long units, long nsPerUnit, int threads) {
        return k.spawn(spec, () -> {
            PadataMtJob<Void> job = PadataMtJob.<Void>builder((s, e, a) -> {
                k.work((e - s) * nsPerUnit);
                return 0;
            }).start(0).size(units).align(1).minChunk(Math.max(1, units / (4L * threads))).maxThreads(threads)
                    .lockdepName("padata_test").build();
            padata.doMultithreaded(job);
        });
    }
}
