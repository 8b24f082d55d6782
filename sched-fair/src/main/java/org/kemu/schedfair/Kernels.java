package org.kemu.schedfair;

import org.kemu.schedfair.hosted.HostedKernel;
import org.kemu.schedfair.internal.TaskAbort;
import org.kemu.schedfair.sim.SimKernel;

/** Creates kernels on either backend. */
public final class Kernels {
    private Kernels() {
    }

    public static Kernel create(Backend backend, KernelConfig config) {
        return switch (backend) {
            case SIMULATED -> simulated(config);
            case HOSTED -> hosted(config);
        };
    }

    /** A deterministic kernel in virtual time on the emulated machine of {@code config}. */
    public static Kernel simulated(KernelConfig config) {
        return new SimKernel(config);
    }

    /** A kernel on real platform threads and real time; work is recorded, not simulated. */
    public static Kernel hosted(KernelConfig config) {
        return new HostedKernel(config, 0.0);
    }

    /**
     * A hosted kernel whose work burns real CPU: {@code burnFactor} real ns per requested ns (0 to
     * only record work).
     */
    public static Kernel hosted(KernelConfig config, double burnFactor) {
        return new HostedKernel(config, burnFactor);
    }

    /**
     * True when {@code t} is the unwinding of a task whose run was stopped by something else (another
     * task's failure, a deadlock, a time limit). Code that catches everything a task's body throws
     * must let it through, so that the run reports its first failure rather than this echo of it.
     */
    public static boolean isRunAbort(Throwable t) {
        return t instanceof TaskAbort;
    }
}
