package org.kemu.exampleplugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.pluginapi.PluginResult;
import org.kemu.plugintestkit.FailNthOutcome;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;
import org.kemu.schedfair.Errno;

@ExtendWith(KemuExtension.class)
@KemuMachine(nodes = 1, coresPerNode = 4)
class ExampleZeroingPluginTest {

    @Test
    void clearsEveryUnitAndScalesWithThreads(PluginTestMachine m) {
        PluginResult one = m.run(new ExampleZeroingPlugin(), Map.of("size", "64M", "threads", "1"));
        PluginResult four = m.fresh().run(new ExampleZeroingPlugin(), Map.of("size", "64M", "threads", "4"));
        assertThat(one.metrics()).containsEntry("units.cleared", 32L);
        assertThat(four.metrics()).containsEntry("units.cleared", 32L);
        // 64 MiB at 10 GB/s per core is 6.7 ms on one CPU; four CPUs share the node's 10 GB/s, so the
        // test machine is memory bound and the four-thread run gains nothing: check it is no slower
        assertThat(one.virtualTimeNs()).isGreaterThan(6_000_000L);
        assertThat(four.virtualTimeNs()).isLessThanOrEqualTo(one.virtualTimeNs());
        m.assertInvariants();
    }

    @Test
    void discoveredThroughServiceLoader() {
        PluginRegistry r = PluginRegistry.load(getClass().getClassLoader());
        assertThat(r.contains("example-zeroing")).isTrue();
        assertThat(r.problems()).isEmpty();
    }

    @Test
    void badSizeNamesTheParameter(PluginTestMachine m) {
        PluginException e = m.runExpectingFailure(new ExampleZeroingPlugin(), Map.of("size", "3M"));
        assertThat(e.errno()).contains(Errno.EINVAL);
        assertThat(e.getMessage()).contains("'size'").contains("multiple of 2M");
    }

    @Test
    void missingNodeIsEinval(PluginTestMachine m) {
        PluginException e = m.runExpectingFailure(new ExampleZeroingPlugin(), Map.of("node", "3"));
        assertThat(e.errno()).contains(Errno.EINVAL);
        assertThat(e.getMessage()).contains("example:node");
    }

    @Test
    void failNthOnTheMainThreadFailsTheRunWithItsErrno(PluginTestMachine m) {
        FailNthOutcome o = m.runWithFailNth(new ExampleZeroingPlugin(), Map.of("size", "64M", "threads", "1"), 1);
        assertThat(o.fired()).isTrue();
        assertThat(o.sites()).containsExactly("example:clear");
        assertThat(o.failure()).isNotNull();
        assertThat(o.failure().errno()).contains(Errno.ENOMEM);
    }
}
