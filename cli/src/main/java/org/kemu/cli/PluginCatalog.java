package org.kemu.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.LabConfig;
import org.kemu.lab.RunLimits;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.lab.pluginhost.PluginInfo;
import org.kemu.lab.pluginhost.PluginPath;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.lab.pluginhost.PluginRun;
import org.kemu.lab.pluginhost.PluginRunner;
import org.kemu.lab.trace.RunObservation;
import org.kemu.mmgup.MemoryConfig;

/**
 * What {@code kemu plugins} lists and {@code kemu run} runs: the plugin host's {@link PluginRegistry}
 * over the class path and the plugin path ({@code ServiceLoader}), and its {@link PluginRunner} booting the selected
 * profile's machine through the lab's root (every cost of the profile, the lab's defaults) per run.
 */
final class PluginCatalog {
    private final PluginRegistry registry;

    private PluginCatalog(PluginRegistry registry) {
        this.registry = registry;
    }

    /**
     * The shipped plugins (the CLI's class path) and those of {@code pluginPath}
     * ({@link PluginPath} syntax; null for none). A missing path entry is a usage error.
     */
    static PluginCatalog discover(String pluginPath) {
        PluginPath path;
        try {
            path = PluginPath.parse(pluginPath);
        } catch (PluginException e) {
            throw new IllegalArgumentException("--plugin-path / KEMU_PLUGIN_PATH: " + e.getMessage(), e);
        }
        return new PluginCatalog(PluginRegistry.load(PluginCatalog.class.getClassLoader(), path));
    }

    /** The loaded plugin {@code name}; IllegalArgumentException with the reason when there is none. */
    PluginInfo plugin(String name) {
        try {
            registry.get(name);
        } catch (PluginException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return plugins().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    List<PluginInfo> plugins() {
        return registry.plugins();
    }

    List<PluginException> problems() {
        return registry.problems();
    }

    /**
     * Runs {@code name} with {@code args} ({@code --param value} or {@code --param=value} pairs) on a
     * fresh kernel booted from {@code profile}. Unknown plugin, unknown parameter or bad value:
     * IllegalArgumentException (a usage error); a failing run: the plugin's PluginException.
     */
    PluginRun run(String name, String profile, long seed, org.kemu.schedfair.KernelVersion version, RunLimits limits,
            List<String> args, RunObservation observation) {
        Map<String, String> params = pairs(args);
        try {
            registry.parseParams(name, params);
        } catch (PluginException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        MachineProfile p = Profiles.load(profile);
        return new PluginRunner(registry).run(name, params, p,
                LabConfig.defaults(seed).withKernelVersion(version).withLimits(limits), MemoryConfig.defaults(),
                observation.describing(name + " " + p.name() + " seed=" + seed));
    }

    static Map<String, String> pairs(List<String> args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() == 2) {
                throw new IllegalArgumentException("expected --param value, got '" + a + "'");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("parameter --" + key + " needs a value");
                }
                value = args.get(++i);
            }
            if (m.put(key, value) != null) {
                throw new IllegalArgumentException("parameter --" + key + " given twice");
            }
        }
        return m;
    }
}
