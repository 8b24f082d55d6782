package org.kemu.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.kemu.lab.trace.RunObservation;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every command of {@code bin/kemu} shares: its picocli spec, its output streams and the run's observation. */
public abstract class KemuCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    /** Where results go (standard output, or the test's writer). */
    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Where progress and warnings go. */
    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The trace and metrics observation the top-level options asked for. */
    protected RunObservation observation() {
        return KemuCli.observation(spec);
    }
}
