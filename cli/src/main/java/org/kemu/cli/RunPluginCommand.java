package org.kemu.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.Version;
import org.kemu.cli.ResultTable.Column;
import org.kemu.lab.pluginhost.PluginRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = "Run a plugin's job on a fresh kernel: kemu run <plugin> [--param value ...]"
        + " [--profile P] [--seed N] [--format table|json|csv]; kemu run <plugin> --help lists the plugin's parameters.")
final class RunPluginCommand extends KemuCommand {
    @Parameters(index = "0", description = "plugin name (see kemu plugins); required")
    String plugin;

    @Parameters(index = "1..*", description = "plugin parameters as --param value pairs (default: none, the plugin's own defaults)")
    List<String> params = new ArrayList<>();

    @Mixin
    MachineOptions machine = new MachineOptions();
    @Mixin
    LimitOptions limits;

    @Mixin
    FormatOptions output = new FormatOptions();

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
        PluginRun r = PluginCatalog.discover(KemuCli.pluginPath(spec)).run(plugin, machine.profile, machine.seed,
                machine.kernelVersion, limits.limits(), params, observation());
        var out = out();
        switch (output.format) {
            case json -> {
                Map<String, Object> j = Results.document("run");
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
            }
            case csv -> {
                // one line per run, like the sweep CSV: deterministic fields only (no wall time)
                List<String> head = new ArrayList<>(List.of("plugin", "profile", "seed", "virtual_seconds"));
                List<String> row = new ArrayList<>(List.of(r.plugin(), machine.profile, Long.toString(r.seed()),
                        Numbers.csv(r.result().virtualTimeNs() / 1e9)));
                r.result().metrics().forEach((k, v) -> {
                    head.add(k);
                    row.add(v instanceof Double || v instanceof Float ? Numbers.csv(v.doubleValue()) : v.toString());
                });
                r.params().forEach((k, v) -> {
                    head.add("param_" + k.replace('-', '_'));
                    row.add(v);
                });
                out.println(Reports.csv(head));
                out.println(Reports.csv(row));
            }
            case table -> {
                ResultTable t = new ResultTable("run", Column.of("name", r.plugin()), Column.of("value", "value"));
                t.row("virtual time (s, virtual)", r.result().virtualTimeNs() / 1e9);
                r.result().metrics().forEach((k, v) -> t.row(k, v instanceof Float f ? (Object) f.doubleValue() : v));
                r.params().forEach((k, v) -> t.row("--" + k, v));
                t.row("profile / seed", machine.profile + " / " + r.seed());
                t.row("wall time (s, real)", r.wallNs() / 1e9);
                out.print(t.note("virtual: the emulated machine's time, from the job's start; real: the time this"
                        + " computer took. The other rows are the plugin's own metrics (kemu plugins describes"
                        + " the plugin) and the parameters it ran with.").table());
            }
        }
        out.flush();
        return 0;
    }
}
