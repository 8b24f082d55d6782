package org.kemu.deferredpageinit.bench;

import java.util.Map;
import org.kemu.deferredpageinit.DeferredPageInitPlugin;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.lab.pluginhost.PluginRun;
import org.kemu.lab.pluginhost.PluginRunner;
import org.kemu.lab.Profiles;

/**
 * Sweep of deferred-page-init over max-threads on the intel-8167m profile: virtual time and the
 * emulation's wall time per run. Not a surefire test; run with the command in docs/plugins.md.
 */
public final class DeferredPageInitSweep {
    private DeferredPageInitSweep() {
    }

    public static void main(String[] args) {
        PluginRunner runner = new PluginRunner(new PluginRegistry().register(new DeferredPageInitPlugin()));
        int[] threads = {1, 2, 4, 8, 13, 26, 52};
        runner.run("deferred-page-init", Map.of("max-threads", "1"), Profiles.builtIn("intel-8167m"), 1); // warm-up
        System.out.println("max-threads  virtual_ms  wall_ms  tasks");
        for (int t : threads) {
            PluginRun r = runner.run("deferred-page-init", Map.of("max-threads", Integer.toString(t)),
                    Profiles.builtIn("intel-8167m"), 1);
            System.out.printf("%11d  %10.2f  %7.1f  %5s%n", t, r.result().virtualTimeNs() / 1e6, r.wallNs() / 1e6,
                    r.result().metrics().get("tasks.used"));
        }
    }
}
