package org.kemu.lab.pluginhost;

import java.util.List;
import org.kemu.pluginapi.PluginParam;

/**
 * A loaded plugin as {@code kemu plugins} lists it.
 *
 * @param source the jar or class directory its class was loaded from
 * @param shipped true for a plugin on kemu's own class path, false for one from the plugin path
 */
public record PluginInfo(String name, String description, List<PluginParam> parameters, String className,
        String source, boolean shipped) {
    public PluginInfo {
        parameters = List.copyOf(parameters);
    }
}
