package org.kemu.cli;

import org.kemu.lab.LabConfig;
import org.kemu.lab.RunLimits;
import picocli.CommandLine.Option;

/**
 * The time limits of every kernel run a command starts (guest-init, compare, run, sweep: each
 * guest init, base run and sweep cell is one kernel run with its own limits). A run past a limit
 * stops with {@code ETIME (sim:virtual_time_limit)} or {@code ETIME (sim:wall_time_limit)} instead of
 * hanging; the wall limit also catches plugin code that sleeps or loops on the host thread, where
 * virtual time cannot pass. Limits change no result: a run either finishes with its figures or fails.
 */
final class LimitOptions {
    @Option(names = "--max-virtual-seconds", paramLabel = "S",
            defaultValue = "" + RunLimits.DEFAULT_MAX_VIRTUAL_SECONDS,
            description = "stop a kernel run once its virtual time passes S seconds, 0 = no limit (default:"
                    + " ${DEFAULT-VALUE}; the largest published cell takes about 20)")
    double maxVirtualSeconds;

    @Option(names = "--max-wall-seconds", paramLabel = "S", defaultValue = "" + RunLimits.DEFAULT_MAX_WALL_SECONDS,
            description = "stop a kernel run after S seconds of real time, 0 = no limit; also reports a run whose"
                    + " virtual time stood still (a plugin blocking or looping on the host thread) (default:"
                    + " ${DEFAULT-VALUE}; the largest published cell takes under 15)")
    double maxWallSeconds;

    /** The limits as given (EINVAL for a negative, NaN or infinite value). */
    RunLimits limits() {
        return RunLimits.ofSeconds(maxVirtualSeconds, maxWallSeconds);
    }

    /** {@code c} with these limits. */
    LabConfig apply(LabConfig c) {
        return c.withLimits(limits());
    }
}
