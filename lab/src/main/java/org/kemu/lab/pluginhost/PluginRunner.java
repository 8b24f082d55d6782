package org.kemu.lab.pluginhost;

import com.google.inject.Module;
import java.util.Map;
import java.util.Objects;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.RunLimits;
import org.kemu.lab.trace.RunObserver;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;

/**
 * Boots a fresh kernel per run through the lab's root ({@link Lab#boot}) and runs one plugin on it:
 * what {@code bin/kemu run <plugin> --param value} calls. Each run gets its own kernel, so a failing
 * plugin cannot affect the next.
 */
public final class PluginRunner {
    private final PluginRegistry registry;

    public PluginRunner(PluginRegistry registry) {
        this.registry = Objects.requireNonNull(registry);
    }

    /** A runner over the plugins of the context class loader. */
    public static PluginRunner discover() {
        return new PluginRunner(PluginRegistry.load());
    }

    public PluginRegistry registry() {
        return registry;
    }

    /**
     * Runs {@code plugin} on {@code profile}'s machine with the lab's defaults (including the default
     * run limits, {@link RunLimits#defaults()}) and default memory.
     */
    public PluginRun run(String plugin, Map<String, String> params, MachineProfile profile, long seed) {
        return run(plugin, params, profile, seed, RunLimits.defaults());
    }

    /**
     * Runs {@code plugin} with the lab's defaults but the time {@code limits}: a run past one fails
     * with a {@link PluginException} of errno {@code ETIME}.
     */
    public PluginRun run(String plugin, Map<String, String> params, MachineProfile profile, long seed,
            RunLimits limits) {
        return run(plugin, params, profile, LabConfig.defaults(seed).withLimits(limits), MemoryConfig.defaults(),
                RunObserver.NONE);
    }

    /**
     * Runs {@code plugin} on a kernel booted from {@code profile} with {@code config} (its
     * {@link LabConfig#limits()} bound the run's virtual and wall time) and
     * {@code memory}, seen by {@code observer}, with {@code overrides} replacing bindings of the root.
     */
    public PluginRun run(String plugin, Map<String, String> params, MachineProfile profile, LabConfig config,
            MemoryConfig memory, RunObserver observer, Module... overrides) {
        PluginParams parsed = registry.parseParams(plugin, params);
        Lab lab;
        try {
            lab = Lab.boot(profile, config, memory, observer, overrides);
        } catch (RuntimeException e) {
            throw PluginException.fromFailure(plugin, "to boot machine '" + profile.name() + "'", e);
        }
        long t0 = System.nanoTime();
        PluginResult r = registry.run(plugin, params, lab);
        long wall = System.nanoTime() - t0;
        return new PluginRun(plugin, parsed.raw(), profile.name(), config.seed(), r, lab.kernel().now(), wall);
    }
}
