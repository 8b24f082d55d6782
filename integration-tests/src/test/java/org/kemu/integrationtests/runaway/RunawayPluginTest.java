package org.kemu.integrationtests.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.lab.RunLimits;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;
import org.kemu.schedfair.Errno;

/**
 * Issue 17 defects 9 and 10 through the plugin test kit: a plugin that loops in virtual time,
 * busy-loops or sleeps on the host thread ends its run with ETIME within the machine's limits
 * (small here: the tests assert that the run ends and with which error, never how fast), and a
 * helper's exception is the run's error, the same one every time.
 */
@ExtendWith(KemuExtension.class)
@KemuMachine(maxVirtualSeconds = 2, maxWallSeconds = 1)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunawayPluginTest {

    @Test
    void aPluginLoopingInVirtualTimeStopsAtTheVirtualLimit(PluginTestMachine m) {
        PluginException e = m.runExpectingFailure(new RunawayPlugins.VirtualLoop(), Map.of());
        assertThat(e.errno()).contains(Errno.ETIME);
        assertThat(e.getMessage()).contains("sim:virtual_time_limit", "virtual time limit of 2.000000 s",
                "plugin/runaway-virtual-loop");
    }

    @Test
    void aPluginBusyLoopingOnTheHostThreadIsStoppedByTheWallLimit(PluginTestMachine m) {
        PluginException e = m.runExpectingFailure(new RunawayPlugins.BusyLoop(), Map.of());
        assertThat(e.errno()).contains(Errno.ETIME);
        assertThat(e.getMessage()).contains("sim:wall_time_limit", "task 'plugin/runaway-busy-loop'",
                "RunawayPlugins$BusyLoop.run");
    }

    @Test
    void aPluginSleepingOnTheHostThreadIsStoppedByTheWallLimit(PluginTestMachine m) {
        PluginException e = m.runExpectingFailure(new RunawayPlugins.HostSleep(), Map.of());
        assertThat(e.errno()).contains(Errno.ETIME);
        assertThat(e.getMessage()).contains("sim:wall_time_limit", "task 'plugin/runaway-host-sleep'",
                "RunawayPlugins$HostSleep.run");
    }

    @Test
    @KemuMachine
    void theKitsMachineHasTheLabsDefaultLimits(PluginTestMachine m) {
        assertThat(m.lab().config().limits()).isEqualTo(RunLimits.defaults());
    }

    @Test
    void aHelpersNullPointerExceptionIsTheRunsErrorTwentyTimesOutOfTwenty(PluginTestMachine m) {
        List<String> errors = new ArrayList<>();
        PluginTestMachine machine = m;
        for (int i = 0; i < 20; i++) {
            PluginException e = machine.runExpectingFailure(new RunawayPlugins.HelperNpe(), Map.of());
            errors.add(e.getMessage());
            machine = machine.fresh();
        }
        assertThat(errors.get(0)).contains("NullPointerException").doesNotContain("run aborted", "TaskAbort");
        assertThat(errors).containsOnly(errors.get(0));
    }

    @Test
    void aDeadlockReportNamesEveryTask(PluginTestMachine m) {
        PluginException e = m.runExpectingFailure(new RunawayPlugins.FourTaskDeadlock(), Map.of());
        assertThat(e.errno()).contains(Errno.EDEADLK);
        assertThat(e.getMessage()).contains("4 blocked:", "'plugin/four-task-deadlock", "'waiter0", "'waiter1",
                "'waiter2", "waits on mutex 'deadlock-demo' held by [plugin/four-task-deadlock");
    }
}
