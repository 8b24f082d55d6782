package org.kemu.lab.pluginhost;

import java.util.SortedMap;
import org.kemu.pluginapi.PluginResult;

/**
 * One run of a plugin as {@link PluginRunner} made it: what ran, on what, and what it gave.
 *
 * @param params every parameter's string form, defaults included
 * @param kernelEndNs virtual time when the kernel's last task exited (set-up included)
 * @param wallNs real time the emulation took, for reports only (never feeds back into a run)
 */
public record PluginRun(String plugin, SortedMap<String, String> params, String machine, long seed,
        PluginResult result, long kernelEndNs, long wallNs) {
}
