package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every option and parameter of every command (and subcommand, such as {@code sweep merge}) says
 * what it is, and every one that takes a value and is not required says its default, so
 * {@code --help} alone is enough to run a command.
 */
class HelpTextTest {
    /** Every command of bin/kemu, the root first, subcommands depth first. */
    static List<CommandSpec> commands() {
        List<CommandSpec> all = new ArrayList<>();
        collect(new CommandLine(new KemuCli()), all);
        return all;
    }

    private static void collect(CommandLine c, List<CommandSpec> into) {
        into.add(c.getCommandSpec());
        c.getSubcommands().values().forEach(s -> collect(s, into));
    }

    @Test
    void everyOptionHasADescriptionAndEveryValuedOptionItsDefault() {
        List<String> problems = new ArrayList<>();
        List<CommandSpec> commands = commands();
        assertThat(commands).extracting(CommandSpec::qualifiedName).contains("kemu sweep", "kemu sweep merge",
                "kemu guest-init", "kemu compare", "kemu run", "kemu profiles", "kemu bench", "kemu calibrate",
                "kemu plugins");
        for (CommandSpec cmd : commands) {
            List<ArgSpec> args = new ArrayList<>(cmd.options());
            args.addAll(cmd.positionalParameters());
            for (ArgSpec a : args) {
                String name = cmd.qualifiedName() + " " + (a.isOption() ? ((CommandLine.Model.OptionSpec) a).longestName()
                        : a.paramLabel());
                String text = String.join(" ", a.description());
                if (text.isBlank()) {
                    problems.add(name + ": no description");
                }
                boolean flag = a.type() == boolean.class || a.type() == Boolean.class;
                if (!flag && !a.required() && !text.contains("(default: ")) {
                    problems.add(name + ": no (default: ...) in '" + text + "'");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void sweepHelpShowsEveryDefaultValueNotThePlaceholder() {
        String help = CapturedRun.of("sweep", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("(default: 0,16)", "(default: intel-8167m)", "(default: sweep.csv)",
                "(default: table)", "(default: none, the whole matrix)").doesNotContain("${");
    }
}
