package org.kemu.lab.pluginhost;

import java.util.List;
import org.kemu.pluginapi.PluginParam;

/** A loaded plugin as {@code kemu plugins} lists it. */
public record PluginInfo(String name, String description, List<PluginParam> parameters, String className) {
    public PluginInfo {
        parameters = List.copyOf(parameters);
    }
}
