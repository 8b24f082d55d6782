package org.kemu.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One in-process run of {@code bin/kemu}'s commands with what it printed, for tests and notebooks.
 *
 * @param rc the exit code
 * @param out what went to standard output
 * @param err what went to standard error
 */
public record CapturedRun(int rc, String out, String err) {

    public static CapturedRun of(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int rc = KemuCli.execute(new PrintWriter(o), new PrintWriter(e), args);
        return new CapturedRun(rc, o.toString(), e.toString());
    }

    /** {@code json} with its real-time fields blanked: the only parts in which two equal runs may differ. */
    public static String withoutWallTimes(String json) {
        return json.replaceAll("\"(wall_[a-z_]*seconds)\" : [0-9.eE+-]+", "\"$1\" : X");
    }
}
