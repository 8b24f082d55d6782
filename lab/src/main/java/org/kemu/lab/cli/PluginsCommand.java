package org.kemu.lab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

@Command(name = "plugins", description = "List the plugins found on the class path.")
final class PluginsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        List<PluginCatalog.PluginInfo> ps = PluginCatalog.discover().plugins();
        if (ps.isEmpty()) {
            out.println("no plugins installed");
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (PluginCatalog.PluginInfo p : ps) {
            rows.add(List.of(p.name(), p.description()));
        }
        out.print(Reports.table(List.of("plugin", "description"), rows));
        return 0;
    }
}
