package org.kemu.cli;

import java.util.ArrayList;
import java.util.List;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.lab.profile.ProfileCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "profiles", description = "List the built-in machine profiles, or print one (a name or a file) as JSON.")
final class ProfilesCommand extends KemuCommand {
    @Parameters(arity = "0..1", paramLabel = "PROFILE",
            description = "a built-in profile name or a profile JSON file to print (default: none, list the built-in ones)")
    String show;

    @Override
    public Integer call() {
        var out = out();
        if (show != null) {
            out.print(ProfileCodec.write(Profiles.load(show)));
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (String n : Profiles.BUILT_IN) {
            MachineProfile p = Profiles.builtIn(n);
            rows.add(List.of(n, Integer.toString(p.topology().nrCpus()), Integer.toString(p.topology().nodes()),
                    (p.topology().memoryPerNodeBytes() >> 30) + " GiB", p.description()));
        }
        out.print(Reports.table(List.of("profile", "cpus", "nodes", "memory/node", "machine"), rows));
        out.println("Use --profile path/to/file.json for your own (print one with 'kemu profiles <name>' to start from).");
        return 0;
    }
}
