package org.kemu.pluginapi;

import java.util.random.RandomGenerator;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Task;

/**
 * The kernel's services as a plugin sees them during one run. A plugin's
 * {@link KernelJobPlugin#run} is called from inside an emulated task (the job's main thread), so every
 * runtime call that needs a task ({@code work}, locks, {@code padata.doMultithreaded}) is legal.
 */
@Stable
public interface PluginContext {

    /** The plugin being run. */
    String pluginName();

    /** The runtime: work, locks, tasks, topology. */
    Kernel kernel();

    default MachineSpec machine() {
        return kernel().machine();
    }

    /** The job's main thread (the task {@link KernelJobPlugin#run} is called on). */
    default Task mainTask() {
        return kernel().current();
    }

    /** {@code padata_do_multithreaded} with the run's padata features. */
    Padata padata();

    /**
     * padata with other feature switches over the same kernel-wide globals, for a plugin that needs a
     * part of the 2022 series (e.g. undo of completed chunks) whatever the run's default.
     */
    @Experimental("the feature switches follow padata-core's ablation record")
    Padata padata(PadataFeatures features);

    /** The memory subsystem: physical memory with its hugetlb pools, address spaces, GUP, locked_vm. */
    MmGup memory();

    default PhysicalMemory physicalMemory() {
        return memory().physicalMemory();
    }

    /** The costs the memory subsystem charges (clearing a page, growing a hugetlb pool ...). */
    MmCosts mmCosts();

    /** The cgroup v2 cpu controller. */
    default CpuController cpuController() {
        return kernel().cpuController();
    }

    /** Current time in ns (virtual when simulated). */
    default long now() {
        return kernel().now();
    }

    /** When the plugin's run started; {@link PluginResult#of} measures from here. */
    long startTimeNs();

    /** Resets {@link #startTimeNs()} to now: call after set-up that is not part of the measured job. */
    void restartClock();

    /** Where the plugin records its metrics. */
    MetricsSink metrics();

    /** A random generator derived from the run's seed, this plugin's name and {@code component}. */
    default RandomGenerator random(String component) {
        return kernel().random("plugin:" + pluginName() + ":" + component);
    }
}
