package org.kemu.cli;

import org.kemu.cli.ResultTable.Column;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.lab.profile.ProfileCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "profiles", description = "List the built-in machine profiles, or print one (a name or a file) as"
        + " profile JSON, the input format of --profile.")
final class ProfilesCommand extends KemuCommand {
    @Parameters(arity = "0..1", paramLabel = "PROFILE",
            description = "a built-in profile name or a profile JSON file to print (default: none, list the built-in ones)")
    String show;

    @Mixin
    FormatOptions output = new FormatOptions();

    @Override
    public Integer call() {
        var out = out();
        if (show != null) {
            // a profile file, not a result: what --profile reads back, so it has no result schema
            out.print(ProfileCodec.write(Profiles.load(show)));
            return 0;
        }
        ResultTable t = new ResultTable("profiles", Column.of("profile", "profile"), Column.of("cpus", "cpus"),
                Column.of("nodes", "nodes"), Column.of("memory_per_node_gib", "memory/node GiB"),
                Column.of("description", "machine"));
        for (String n : Profiles.BUILT_IN) {
            MachineProfile p = Profiles.builtIn(n);
            t.row(n, p.topology().nrCpus(), p.topology().nodes(), p.topology().memoryPerNodeBytes() >> 30,
                    p.description());
        }
        t.note("Use --profile path/to/file.json for your own (print one with 'kemu profiles <name>' to start from).");
        t.print(out, output.format);
        return 0;
    }
}
