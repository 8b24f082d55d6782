package org.kemu.vfiotype1;

import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskSpec;

/** Test helper: runs kernel code inside one kthread of a small simulated machine. */
public final class InKernel {
    private InKernel() {
    }

    public static Kernel kernel() {
        return Kernels.simulated(KernelConfig.of(MachineSpec.simple(2), 1));
    }

    /** Runs {@code body} in a kthread of {@code k}; an assertion failure inside is rethrown as is. */
    public static void run(Kernel k, TaskBody body) {
        k.spawn(TaskSpec.kthread("t"), body);
        runAll(k);
    }

    /** Runs {@code k} until its tasks end, rethrowing a failure inside a task as it was thrown. */
    public static void runAll(Kernel k) {
        MmFixture.runAll(k);
    }
}
