package org.kemu.cli;

import java.util.List;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.lab.pluginhost.PluginInfo;
import picocli.CommandLine.Command;

@Command(name = "plugins", description = "List the plugins found on kemu's class path and the plugin path"
        + " (--plugin-path, KEMU_PLUGIN_PATH), each parameter with its type, default and description;"
        + " plugins that could not be loaded are reported with their reason on stderr.")
final class PluginsCommand extends KemuCommand {
    @Override
    public Integer call() {
        var out = out();
        PluginCatalog catalog = PluginCatalog.discover(KemuCli.pluginPath(spec));
        for (PluginException e : catalog.problems()) {
            err().println("kemu: plugin not loaded: " + e.getMessage().lines().findFirst()
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
