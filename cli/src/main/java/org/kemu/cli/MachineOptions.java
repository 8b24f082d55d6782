package org.kemu.cli;

import picocli.CommandLine.Option;

/** The options every command that boots a kernel shares: which machine, and the run's seed. */
final class MachineOptions {
    @Option(names = "--profile", defaultValue = "intel-8167m",
            description = "machine profile: a built-in name (intel-8167m, amd-7j13; see kemu profiles) or a profile"
                    + " JSON file (default: ${DEFAULT-VALUE})")
    String profile;

    @Option(names = "--seed", defaultValue = "1", description = "the run's seed (default: ${DEFAULT-VALUE})")
    long seed;
}
