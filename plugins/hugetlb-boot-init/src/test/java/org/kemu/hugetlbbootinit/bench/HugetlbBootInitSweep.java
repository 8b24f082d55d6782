package org.kemu.hugetlbbootinit.bench;

import java.util.Map;
import org.kemu.hugetlbbootinit.HugetlbBootInitPlugin;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.lab.pluginhost.PluginRun;
import org.kemu.lab.pluginhost.PluginRunner;
import org.kemu.lab.Profiles;

/**
 * Sweep of hugetlb-boot-init (256 GiB of 2 MiB pages by default) over hugepage_alloc_threads= and
 * the two thread rules on the intel-8167m profile: virtual and wall time per run.
 */
public final class HugetlbBootInitSweep {
    private HugetlbBootInitSweep() {
    }

    public static void main(String[] args) {
        PluginRunner runner = new PluginRunner(new PluginRegistry().register(new HugetlbBootInitPlugin()));
        runner.run("hugetlb-boot-init", Map.of(), Profiles.builtIn("intel-8167m"), 1); // warm-up
        System.out.println("config                 max_threads  virtual_ms  wall_ms  tasks");
        String[][] configs = {{"nodes-x-multiplier", "0"}, {"quarter-hw", "0"}, {"nodes-x-multiplier", "1"}, {"nodes-x-multiplier", "2"},
            {"nodes-x-multiplier", "8"}, {"nodes-x-multiplier", "16"}, {"nodes-x-multiplier", "52"}, {"nodes-x-multiplier", "104"}};
        for (String[] c : configs) {
            PluginRun r = runner.run("hugetlb-boot-init", Map.of("thread-rule", c[0], "threads", c[1]),
                    Profiles.builtIn("intel-8167m"), 1);
            System.out.printf("%-12s threads=%-3s %11s  %10.2f  %7.1f  %5s%n", c[0], c[1],
                    r.result().metrics().get("max-threads"), r.result().virtualTimeNs() / 1e6, r.wallNs() / 1e6,
                    r.result().metrics().get("tasks.used"));
        }
    }
}
