package org.kemu.integrationtests.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.kemu.cli.CapturedRun;

/**
 * Issue 17 defects 9 and 10 from the command line: {@code kemu run} of a plugin that loops in
 * virtual time, busy-loops or sleeps on the host thread ends with a clear ETIME error within its
 * limit (small limits here; only "it ends" is assumed of the host's speed), a helper's exception is
 * the error printed, the same on every run, and a deadlock report is printed whole.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RunawayCliIT {
    private static CapturedRun run(String plugin, String... limits) {
        String[] args = new String[2 + limits.length];
        args[0] = "run";
        args[1] = plugin;
        System.arraycopy(limits, 0, args, 2, limits.length);
        return CapturedRun.of(args);
    }

    @Test
    void aPluginLoopingInVirtualTimeEndsAtMaxVirtualSeconds() {
        CapturedRun r = run("runaway-virtual-loop", "--max-virtual-seconds", "3");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).startsWith("kemu: ").contains("ETIME (sim:virtual_time_limit)",
                "virtual time limit of 3.000000 s", "plugin/runaway-virtual-loop");
    }

    @Test
    void aPluginBusyLoopingOnTheHostThreadEndsAtMaxWallSeconds() {
        CapturedRun r = run("runaway-busy-loop", "--max-wall-seconds", "1");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("ETIME (sim:wall_time_limit)", "wall time limit of 1.000000 s",
                "task 'plugin/runaway-busy-loop'", "RunawayPlugins$BusyLoop.run");
    }

    @Test
    void aPluginSleepingOnTheHostThreadEndsAtMaxWallSeconds() {
        CapturedRun r = run("runaway-host-sleep", "--max-wall-seconds", "1");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("ETIME (sim:wall_time_limit)", "task 'plugin/runaway-host-sleep'",
                "RunawayPlugins$HostSleep.run");
    }

    @Test
    void aHelpersExceptionIsTheErrorPrintedOnEveryRun() {
        String first = run("helper-npe").err();
        assertThat(first).contains("NullPointerException").doesNotContain("run aborted", "TaskAbort");
        for (int i = 0; i < 4; i++) {
            assertThat(run("helper-npe").err()).isEqualTo(first);
        }
    }

    @Test
    void aDeadlockReportIsPrintedWhole() {
        CapturedRun r = run("four-task-deadlock");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("EDEADLK (deadlock)", "4 blocked:");
        // the report's lines after the first: one per task
        assertThat(r.err().lines().filter(l -> l.startsWith("  task '"))).hasSize(4);
        assertThat(r.err()).contains("'waiter0", "'waiter1", "'waiter2",
                "'plugin/four-task-deadlock#1' waits on exit of task");
    }

    @Test
    void theLimitsAndTheirDefaultsAreInTheHelpOfEveryCommandThatRuns() {
        for (String cmd : new String[] {"guest-init", "compare", "run", "sweep"}) {
            CapturedRun r = CapturedRun.of(cmd, "--help");
            assertThat(r.out()).as(cmd).contains("--max-virtual-seconds", "--max-wall-seconds", "default: 3600",
                    "default: 300");
        }
    }

    @Test
    void aBadLimitIsAUsageError() {
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "1G", "--max-wall-seconds", "-1");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("EINVAL (limits:max_wall)");
    }
}
