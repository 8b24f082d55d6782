package org.kemu.pluginapi;

import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataFeatures;

/**
 * What a plugin sees during one run: narrow views of the kernel it runs on, built by the host from
 * the run's machine profile and configuration. {@link KernelJobPlugin#run} is called from inside an
 * emulated task (the job's main thread), so every call that needs a task ({@code work}, locks,
 * {@code padata().doMultithreaded}) is legal.
 */
@Stable
public interface PluginContext {

    /** The plugin being run. */
    String pluginName();

    /** The current kernel's task and time services. */
    KernelTasks tasks();

    /** {@code padata_do_multithreaded} with the run's padata features. */
    Padata padata();

    /**
     * padata with other feature switches over the same kernel-wide globals, for a job that needs a
     * part of the 2022 series (e.g. undo of completed chunks) whatever the run's default.
     */
    @Experimental("the feature switches follow padata-core's ablation record")
    Padata padata(PadataFeatures features);

    /** The hugetlb pools. */
    HugetlbPoolView hugetlb();

    /** Physical memory and node facts. */
    MemoryNodes memory();

    /** User address spaces, GUP and pinned/locked_vm accounting of the run's kernel. */
    @Experimental("added for the munmap and ib-umem-release users")
    UserMemory userMemory();

    /** Current time in ns (virtual when simulated). */
    default long now() {
        return tasks().now();
    }

    /** When the plugin's run started; {@link PluginResult#of} measures from here. */
    long startTimeNs();

    /** Resets {@link #startTimeNs()} to now: call after set-up that is not part of the measured job. */
    void restartClock();

    /** Where the plugin records its metrics. */
    MetricsSink metrics();
}
