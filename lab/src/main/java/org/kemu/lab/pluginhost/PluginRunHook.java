package org.kemu.lab.pluginhost;

import org.kemu.schedfair.Task;

/**
 * Called on the job's main task around {@link org.kemu.pluginapi.KernelJobPlugin#run}: test kits arm fail-nth here, or
 * read per-task counters afterwards.
 */
public interface PluginRunHook {
    PluginRunHook NONE = new PluginRunHook() {
    };

    /** Before the plugin runs, on its main task. */
    default void beforeRun(Task main) {
    }

    /** After the plugin returned or threw, on its main task. */
    default void afterRun(Task main) {
    }
}
