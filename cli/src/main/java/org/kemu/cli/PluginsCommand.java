package org.kemu.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.lab.pluginhost.PluginInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

@Command(name = "plugins", description = "List the plugins found on kemu's class path and the plugin path"
        + " (--plugin-path, KEMU_PLUGIN_PATH), each parameter with its type, default and description;"
        + " plugins that could not be loaded are reported with their reason on stderr.")
final class PluginsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        PluginCatalog catalog = PluginCatalog.discover(KemuCli.pluginPath(spec));
        for (PluginException e : catalog.problems()) {
            spec.commandLine().getErr().println("kemu: plugin not loaded: " + e.getMessage().lines().findFirst()
                    .orElse(""));
        }
        List<PluginInfo> ps = catalog.plugins();
        if (ps.isEmpty()) {
            out.println("no plugins installed");
            return 0;
        }
        for (int i = 0; i < ps.size(); i++) {
            out.print((i > 0 ? "\n" : "") + PluginUsage.describe(ps.get(i)));
        }
        out.println("\nrun one with: kemu run <plugin> [--param value ...]; kemu run <plugin> --help for one plugin");
        return 0;
    }
}
