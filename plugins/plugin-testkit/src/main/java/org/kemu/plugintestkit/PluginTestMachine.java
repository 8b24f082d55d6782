package org.kemu.plugintestkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.RunLimits;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.lab.pluginhost.PluginRunHook;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.Topology;

/**
 * A booted small machine for one test: run plugins on it (through the plugin host's registry, on a
 * kernel booted by the lab's root, as {@code kemu run} does), arm fail-nth, check invariants. Runs
 * after a failed one need a {@link #fresh()} machine, since a failure leaves the kernel undefined.
 */
public final class PluginTestMachine {
    private final Lab lab;

    /** Boots {@code profile}'s machine with {@code config} and {@code memory} through {@link Lab#boot}. */
    public PluginTestMachine(MachineProfile profile, LabConfig config, MemoryConfig memory) {
        this.lab = Lab.boot(profile, config, memory);
    }

    /** The machine a {@link KemuMachine} annotation describes. */
    public static PluginTestMachine of(KemuMachine m) {
        Topology t = new Topology(m.nodes(), m.coresPerNode(), m.threadsPerCore(), m.memoryPerNodeMiB() << 20);
        MachineProfile p = MachineProfile.of(new MachineSpec("test-" + m.nodes() + "x" + m.coresPerNode() + "x"
                + m.threadsPerCore(), t, new MemoryBandwidth(10e9, 10e9), RuntimeCosts.FREE));
        LabConfig c = LabConfig.defaults(m.seed()).withLimits(RunLimits.ofSeconds(m.maxVirtualSeconds(), m.maxWallSeconds()));
        if (m.padata() == KemuMachine.Padata.MAINLINE) {
            c = c.withPadataFeatures(PadataFeatures.mainline());
        }
        return new PluginTestMachine(p, c,
                MemoryConfig.defaults().withBootHugepages(m.hugepages2mPerNode(), m.hugepages1gPerNode()));
    }

    /** Another machine booted from the same profile, configuration (and seed) and memory. */
    public PluginTestMachine fresh() {
        return new PluginTestMachine(lab.profile(), lab.config(), lab.memory());
    }

    public Lab lab() {
        return lab;
    }

    public Kernel kernel() {
        return lab.kernel();
    }

    /** The machine's physical memory, for checks beyond what a plugin sees. */
    public PhysicalMemory physicalMemory() {
        return lab.get(PhysicalMemory.class);
    }

    /** Runs {@code plugin} through a registry (declarations and parameters checked as the CLI would). */
    public PluginResult run(KernelJobPlugin plugin, Map<String, String> params) {
        return new PluginRegistry().register(plugin).run(plugin.name(), params, lab);
    }

    /** Runs {@code plugin} and returns the error it ends with; AssertionError if it succeeds. */
    public PluginException runExpectingFailure(KernelJobPlugin plugin, Map<String, String> params) {
        try {
            run(plugin, params);
        } catch (PluginException e) {
            return e;
        }
        throw new AssertionError("plugin '" + plugin.name() + "' was expected to fail with " + params);
    }

    /** Runs {@code body} on a main task with a plugin context, for testing kernel code directly. */
    public <T> T inTask(Function<PluginContext, T> body) {
        List<T> out = new ArrayList<>(1);
        run(new KernelJobPlugin() {
            @Override
            public String name() {
                return "test-body";
            }

            @Override
            public PluginResult run(PluginContext ctx, PluginParams params) {
                out.add(body.apply(ctx));
                return PluginResult.of(ctx);
            }
        }, Map.of());
        return out.get(0);
    }

    /** {@link #inTask(Function)} for a body without a result. */
    public void inTaskDo(Consumer<PluginContext> body) {
        inTask(ctx -> {
            body.accept(ctx);
            return Boolean.TRUE;
        });
    }

    /**
     * Runs {@code plugin} with the {@code n}-th injection point of its main task failing (the
     * kernel's fail-nth file). Only the main task is armed: helpers run their chunks unarmed.
     */
    public FailNthOutcome runWithFailNth(KernelJobPlugin plugin, Map<String, String> params, int n) {
        int[] reached = {0};
        boolean[] fired = {false};
        List<String> sites = new ArrayList<>();
        PluginRunHook hook = new PluginRunHook() {
            @Override
            public void beforeRun(Task main) {
                FailNth.arm(main, n);
            }

            @Override
            public void afterRun(Task main) {
                reached[0] = FailNth.reached(main);
                fired[0] = FailNth.fired(main);
                sites.addAll(FailNth.sites(main));
                FailNth.disarm(main);
            }
        };
        try {
            PluginResult r = new PluginRegistry().register(plugin).run(plugin.name(), params, lab, hook);
            return new FailNthOutcome(n, r, null, reached[0], fired[0], List.copyOf(sites));
        } catch (PluginException e) {
            return new FailNthOutcome(n, null, e, reached[0], fired[0], List.copyOf(sites));
        }
    }

    /**
     * The fail-nth sweep of iommufd_fail_nth.c: n = 1, 2, ... each on a fresh machine, until a run
     * reaches fewer than n points (or {@code maxN}); {@code check} sees every outcome with its machine.
     * Returns the number of runs.
     */
    public int sweepFailNth(KernelJobPlugin plugin, Map<String, String> params, int maxN,
            java.util.function.BiConsumer<PluginTestMachine, FailNthOutcome> check) {
        int n = 1;
        for (; n <= maxN; n++) {
            PluginTestMachine m = fresh();
            FailNthOutcome o = m.runWithFailNth(plugin, params, n);
            check.accept(m, o);
            if (!o.fired()) {
                break;
            }
        }
        return n;
    }

    /** Invariant violations of the machine's memory state (pins and hugetlb pools). */
    public List<String> checkInvariants() {
        return PluginInvariants.check(physicalMemory());
    }

    public void assertInvariants() {
        PluginInvariants.assertNone(physicalMemory());
    }

    public HugetlbPoolState hugetlbPools() {
        return HugetlbPoolState.of(physicalMemory());
    }
}
