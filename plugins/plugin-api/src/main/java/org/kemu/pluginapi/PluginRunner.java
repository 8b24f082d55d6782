package org.kemu.pluginapi;

import java.util.Map;
import java.util.Objects;
import org.kemu.schedfair.MachineSpec;

/**
 * Boots a fresh simulated kernel per run and runs one plugin on it: what {@code bin/kemu run <plugin>
 * --param value} calls. Each run gets its own kernel, so a failing plugin cannot affect the next.
 */
@Stable
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

    /** Runs {@code plugin} on {@code machine} with default memory, mainline padata and default costs. */
    public PluginRun run(String plugin, Map<String, String> params, MachineSpec machine, long seed) {
        return run(plugin, params, KernelServices.BootSpec.of(machine, seed));
    }

    /** Runs {@code plugin} on a kernel booted from {@code boot}. */
    public PluginRun run(String plugin, Map<String, String> params, KernelServices.BootSpec boot) {
        return run(plugin, params, boot, kernel -> { });
    }

    /**
     * Runs {@code plugin} on a kernel booted from {@code boot}; {@code onBoot} sees the kernel before
     * anything runs on it (to attach a trace sink, for instance).
     */
    public PluginRun run(String plugin, Map<String, String> params, KernelServices.BootSpec boot,
            java.util.function.Consumer<org.kemu.schedfair.Kernel> onBoot) {
        PluginParams parsed = registry.parseParams(plugin, params);
        KernelServices services;
        try {
            services = KernelServices.boot(boot);
        } catch (RuntimeException e) {
            throw PluginException.fromFailure(plugin, "to boot machine '" + boot.machine().name() + "'", e);
        }
        onBoot.accept(services.kernel());
        long t0 = System.nanoTime();
        PluginResult r = registry.run(plugin, params, services);
        long wall = System.nanoTime() - t0;
        return new PluginRun(plugin, parsed.raw(), boot.machine().name(), boot.seed(), r, services.kernel().now(),
                wall);
    }
}
