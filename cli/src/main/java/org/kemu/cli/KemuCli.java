package org.kemu.cli;

import java.io.PrintWriter;
import org.kemu.lab.Version;
import org.kemu.lab.trace.RunObservation;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/kemu}: the command line front door. */
@Command(name = "kemu", mixinStandardHelpOptions = true, versionProvider = KemuCli.VersionProvider.class,
        description = "Emulates the Linux kernel paths behind multithreaded VFIO page pinning.",
        subcommands = {GuestInitCommand.class, SweepCommand.class, CompareCommand.class, ProfilesCommand.class,
            PluginsCommand.class, RunPluginCommand.class, CalibrateCommand.class, BenchCommand.class,
            ExperimentCommand.class})
public final class KemuCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    TraceOptions trace = new TraceOptions();

    @CommandLine.Option(names = "--plugin-path", paramLabel = "DIR|JAR[:...]",
            defaultValue = "${env:KEMU_PLUGIN_PATH}",
            description = "Plugins from outside kemu: jars and class directories (a directory's *.jar too),"
                    + " separated by ':' (';' on Windows). A plugin reusing a shipped plugin's name is refused."
                    + " (default: $KEMU_PLUGIN_PATH, else none)")
    String pluginPath;

    @CommandLine.Option(names = "--stacktrace", description = "print the stack of the first failure")
    boolean stacktrace;

    /** The command's observation session (--trace, JSON metrics), open while a command runs. */
    private RunObservation observation = RunObservation.open(null);

    /** The observation session of the command {@code spec} belongs to: pass it to every boot. */
    static RunObservation observation(CommandLine.Model.CommandSpec spec) {
        return ((KemuCli) spec.root().userObject()).observation;
    }

    /** The plugin path given to the command {@code spec} belongs to (option or environment), or null. */
    static String pluginPath(CommandLine.Model.CommandSpec spec) {
        return ((KemuCli) spec.root().userObject()).pluginPath;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try kemu --help)");
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kemu " + Version.get()};
        }
    }

    /** Runs the CLI and returns its exit code: 0 ok, 2 bad usage, 1 a failed run. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        KemuCli root = new KemuCli();
        CommandLine cl = new CommandLine(root);
        // every subcommand answers --help and --version, as the README promises
        cl.getSubcommands().values().forEach(sub -> sub.getCommandSpec().mixinStandardHelpOptions(true));
        cl.setExecutionStrategy(pr -> {
            try (var session = RunObservation.open(root.trace.file)) {
                root.observation = session;
                return new CommandLine.RunLast().execute(pr);
            }
        });
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("kemu: " + ex.getMessage());
            ex.getCommandLine().getErr().flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            // the whole message: a deadlock report names every blocked task on the lines after the first
            c.getErr().println("kemu: " + msg);
            if (root.stacktrace) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().flush();
            return ex instanceof IllegalArgumentException || ex instanceof org.kemu.schedfair.KernelException
                    || ex instanceof org.kemu.lab.profile.ProfileCodec.ProfileException ? 2 : 1;
        });
        // kemu run <plugin> --param value: the plugin's own options reach the command as positionals
        CommandLine run = cl.getSubcommands().get("run");
        run.setUnmatchedOptionsArePositionalParams(true);
        // kemu run <plugin> --help: the plugin's own parameters follow the generic options
        run.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER,
                help -> ((RunPluginCommand) run.getCommand()).pluginHelp());
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }
}
