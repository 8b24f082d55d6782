package org.kemu.pluginapi;

import java.util.List;

/** A loaded plugin as {@code kemu plugins} lists it. */
@Stable
public record PluginInfo(String name, String description, List<PluginParam> parameters, String className) {
    public PluginInfo {
        parameters = List.copyOf(parameters);
    }
}
