package org.kemu.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.Version;
import org.kemu.lab.pluginhost.PluginRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = "Run a plugin's job on a fresh kernel: kemu run <plugin> [--param value ...]"
        + " [--profile P] [--seed N] [--format table|json]; kemu run <plugin> --help lists the plugin's parameters.")
final class RunPluginCommand extends KemuCommand {
    @Parameters(index = "0", description = "plugin name (see kemu plugins)")
    String plugin;

    @Parameters(index = "1..*", description = "plugin parameters as --param value pairs")
    List<String> params = new ArrayList<>();

    @Mixin
    MachineOptions machine = new MachineOptions();
    @Mixin
    LimitOptions limits;

    @Option(names = "--format", defaultValue = "table", description = "table or json; default: ${DEFAULT-VALUE}")
    String format;

    /** The help footer: the named plugin's parameters, or the plugins there are when none is named. */
    String pluginHelp() {
        PluginCatalog catalog = PluginCatalog.discover(KemuCli.pluginPath(spec));
        if (plugin == null) {
            return "\nPlugins: " + String.join(", ", catalog.plugins().stream().map(p -> p.name()).toList())
                    + " (kemu run <plugin> --help for one plugin's parameters)\n";
        }
        return "\nParameters of " + PluginUsage.describe(catalog.plugin(plugin));
    }

    @Override
    public Integer call() {
        if (!format.equals("table") && !format.equals("json")) {
            throw new IllegalArgumentException("unknown format '" + format + "' (table or json)");
        }
        PluginRun r = PluginCatalog.discover(KemuCli.pluginPath(spec)).run(plugin, machine.profile, machine.seed, limits.limits(), params, observation());
        var out = out();
        if (format.equals("json")) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("plugin", r.plugin());
            j.put("virtual_seconds", r.result().virtualTimeNs() / 1e9);
            j.put("metrics", r.result().metrics());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("kemu_version", Version.get());
            meta.put("profile", machine.profile);
            meta.put("machine", r.machine());
            meta.put("seed", r.seed());
            meta.put("params", r.params());
            meta.put("kernel_end_seconds", r.kernelEndNs() / 1e9);
            meta.put("wall_seconds", r.wallNs() / 1e9);
            j.put("run", meta);
            out.print(Reports.toJson(j));
        } else {
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("virtual time", Reports.num(r.result().virtualTimeNs() / 1e9) + " s"));
            r.result().metrics().forEach((k, v) -> rows.add(List.of(k, String.valueOf(v))));
            r.params().forEach((k, v) -> rows.add(List.of("--" + k, v)));
            rows.add(List.of("profile / seed", machine.profile + " / " + r.seed()));
            rows.add(List.of("wall time", Reports.num(r.wallNs() / 1e9) + " s"));
            out.print(Reports.table(List.of(r.plugin(), "value"), rows));
        }
        return 0;
    }
}
