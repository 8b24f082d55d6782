package org.kemu.cli;

import java.util.ArrayList;
import java.util.List;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.lab.pluginhost.PluginInfo;
import org.kemu.pluginapi.PluginParam;
import picocli.CommandLine.Command;

@Command(name = "plugins", description = "List the plugins found on the class path, with their parameters.")
final class PluginsCommand extends KemuCommand {
    @Override
    public Integer call() {
        var out = out();
        PluginCatalog catalog = PluginCatalog.discover();
        for (PluginException e : catalog.problems()) {
            err().println("kemu: plugin not loaded: " + e.getMessage().lines().findFirst()
                    .orElse(""));
        }
        List<PluginInfo> ps = catalog.plugins();
        if (ps.isEmpty()) {
            out.println("no plugins installed");
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (PluginInfo p : ps) {
            List<String> params = new ArrayList<>();
            for (PluginParam q : p.parameters()) {
                params.add("--" + q.name() + " " + q.defaultValue());
            }
            rows.add(List.of(p.name(), p.description(), String.join(" ", params)));
        }
        out.print(Reports.table(List.of("plugin", "description", "parameters (defaults)"), rows));
        return 0;
    }
}
