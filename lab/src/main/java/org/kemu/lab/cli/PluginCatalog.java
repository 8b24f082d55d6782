package org.kemu.lab.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.pluginapi.KernelServices;
import org.kemu.pluginapi.PluginException;
import org.kemu.pluginapi.PluginInfo;
import org.kemu.pluginapi.PluginRegistry;
import org.kemu.pluginapi.PluginRun;
import org.kemu.pluginapi.PluginRunner;

/**
 * What {@code kemu plugins} lists and {@code kemu run} runs: plugin-api's {@link PluginRegistry}
 * over the class path ({@code ServiceLoader}), and its {@link PluginRunner} booting the selected
 * profile's machine (topology, bandwidth, mm and padata costs) for each run.
 */
final class PluginCatalog {
    private final PluginRegistry registry;

    private PluginCatalog(PluginRegistry registry) {
        this.registry = registry;
    }

    static PluginCatalog discover() {
        return new PluginCatalog(PluginRegistry.load(PluginCatalog.class.getClassLoader()));
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
    PluginRun run(String name, String profile, long seed, List<String> args) {
        Map<String, String> params = pairs(args);
        try {
            registry.parseParams(name, params);
        } catch (PluginException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        MachineProfile p = Profiles.load(profile);
        KernelServices.BootSpec boot = new KernelServices.BootSpec(p.machineSpec(), seed, MemoryConfig.defaults(),
                p.mm(), PadataFeatures.mainline(), p.padata());
        // --trace: the plugin's kernel is booted by plugin-api's runner, so attach the session here
        return new PluginRunner(registry).run(name, params, boot, kernel -> org.kemu.lab.trace.RunObservation
                .current().ifPresent(o -> o.booted(kernel, name + " " + p.name() + " seed=" + seed)));
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
