package org.example.myjob;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.pluginapi.PluginResult;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;
import org.kemu.schedfair.Errno;

@ExtendWith(KemuExtension.class)
@KemuMachine(nodes = 1, coresPerNode = 4)
class MyJobPluginTest {

    @Test
    void touchesEveryUnit(PluginTestMachine m) {
        PluginResult r = m.run(new MyJobPlugin(), Map.of("size", "64M", "threads", "4"));
        assertThat(r.metrics()).containsEntry("units", 32L);
        assertThat(r.virtualTimeNs()).isPositive();
        m.assertInvariants();
    }

    @Test
    void badSizeIsEinvalNamingTheParameter(PluginTestMachine m) {
        PluginException e = m.runExpectingFailure(new MyJobPlugin(), Map.of("size", "3M"));
        assertThat(e.errno()).contains(Errno.EINVAL);
        assertThat(e.getMessage()).contains("'size'");
    }

    @Test
    void failNthLeavesTheMachineSane(PluginTestMachine m) {
        m.sweepFailNth(new MyJobPlugin(), Map.of("size", "16M", "threads", "2"), 20,
                (machine, o) -> machine.assertInvariants());
    }

    @Test
    void registeredForServiceLoader() {
        assertThat(PluginRegistry.load(getClass().getClassLoader()).contains("my-job")).isTrue();
    }
}
