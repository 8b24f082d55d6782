package org.kemu.lab.cli;

import java.util.List;

/**
 * What {@code kemu plugins} lists and {@code kemu run} runs.
 *
 * <p>LEAD: plugin-api is empty in this branch. Once it has its SPI and {@code PluginRunner}, implement
 * this with {@code ServiceLoader.load(<the SPI>)} (name, description, parameters) and the runner, and
 * return that implementation from {@link #discover()}.
 */
interface PluginCatalog {
    record PluginInfo(String name, String description) {
    }

    List<PluginInfo> plugins();

    /** Runs a plugin's job on a booted profile; returns its report as text. */
    String run(String name, String profile, long seed, List<String> params);

    static PluginCatalog discover() {
        return new PluginCatalog() {
            @Override
            public List<PluginInfo> plugins() {
                return List.of();
            }

            @Override
            public String run(String name, String profile, long seed, List<String> params) {
                throw new IllegalArgumentException("no plugin '" + name + "' (no plugins are installed)");
            }
        };
    }
}
