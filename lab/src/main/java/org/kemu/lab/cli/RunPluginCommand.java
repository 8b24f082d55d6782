package org.kemu.lab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", description = "Run a plugin's multithreaded job: kemu run <plugin> [key=value ...]")
final class RunPluginCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "plugin name")
    String plugin;

    @Parameters(index = "1..*", description = "plugin parameters as key=value")
    List<String> params = new ArrayList<>();

    @Option(names = "--profile", defaultValue = "intel-8167m")
    String profile;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(PluginCatalog.discover().run(plugin, profile, seed, params));
        return 0;
    }
}
