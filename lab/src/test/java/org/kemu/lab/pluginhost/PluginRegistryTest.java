package org.kemu.lab.pluginhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.lab.MachineProfile;
import org.kemu.schedfair.MachineSpec;

class PluginRegistryTest {
    private static final MachineProfile SMALL = MachineProfile.of(MachineSpec.simple(2));

    @Test
    void discoversThroughServiceLoaderAndRecordsBrokenProviders() {
        PluginRegistry r = PluginRegistry.load(getClass().getClassLoader());
        assertThat(r.contains("test-worker")).isTrue();
        assertThat(r.contains("test-thrower")).isTrue();
        // a default its validator rejects, and a listed class that does not exist: recorded, not fatal
        assertThat(r.contains("bad-default")).isFalse();
        assertThat(r.problems()).extracting(Throwable::getMessage)
                .anySatisfy(m -> assertThat(m).contains("bad-default").contains("'threads'"))
                .anySatisfy(m -> assertThat(m).contains("NoSuchPlugin"));
        assertThat(r.plugins()).extracting(PluginInfo::name).containsExactly("test-thrower", "test-worker");
    }

    @Test
    void runsWithTypedParamsThroughTheRunner() {
        PluginRunner runner = new PluginRunner(PluginRegistry.load(getClass().getClassLoader()));
        PluginRun run = runner.run("test-worker", Map.of("work-ns", "5000", "bytes", "2M"), SMALL, 7);
        assertThat(run.result().metrics()).containsEntry("bytes", 2L << 20);
        // 2 MiB at 10 GB/s takes 210 us, more than the 5 us of CPU work
        assertThat(run.result().virtualTimeNs()).isEqualTo(209_716L);
        assertThat(run.params()).containsEntry("work-ns", "5000").containsEntry("fail", "false");
        assertThat(run.seed()).isEqualTo(7);
    }

    @Test
    void badParametersAreEinvalNamingTheParameter() {
        PluginRunner runner = new PluginRunner(new PluginRegistry().register(new TestPlugins.Worker()));
        assertThatThrownBy(() -> runner.run("test-worker", Map.of("work-ns", "lots"), SMALL, 1))
                .isInstanceOf(PluginException.class).hasMessageContaining("'work-ns'").hasMessageContaining("lots")
                .satisfies(e -> assertThat(((PluginException) e).errno()).contains(Errno.EINVAL));
        assertThatThrownBy(() -> runner.run("test-worker", Map.of("work-ns", "-1"), SMALL, 1))
                .hasMessageContaining("'work-ns'").hasMessageContaining("must be in [0, 1000000000000]");
        assertThatThrownBy(() -> runner.run("test-worker", Map.of("bytes", "12Q"), SMALL, 1))
                .hasMessageContaining("'bytes'").hasMessageContaining("suffix");
        assertThatThrownBy(() -> runner.run("test-worker", Map.of("wrok-ns", "1"), SMALL, 1))
                .hasMessageContaining("unknown parameter 'wrok-ns'");
    }

    @Test
    void aThrowingPluginGetsAClearErrorAndTheNextRunIsUnaffected() {
        PluginRunner runner = new PluginRunner(PluginRegistry.load(getClass().getClassLoader()));
        assertThatThrownBy(() -> runner.run("test-thrower", Map.of(), SMALL, 1)).isInstanceOf(PluginException.class)
                .hasMessageContaining("plugin 'test-thrower' failed while running: IllegalStateException: boom")
                .satisfies(e -> assertThat(((PluginException) e).errno()).isEmpty());
        assertThatThrownBy(() -> runner.run("test-worker", Map.of("fail", "yes"), SMALL, 1))
                .satisfies(e -> assertThat(((PluginException) e).errno()).contains(Errno.EIO))
                .hasMessageContaining("test:fail");
        assertThat(runner.run("test-worker", Map.of(), SMALL, 1).result().metrics()).containsKey("bytes");
    }

    @Test
    void duplicateRegistrationIsEexist() {
        PluginRegistry r = new PluginRegistry().register(new TestPlugins.Worker());
        assertThatThrownBy(() -> r.register(new TestPlugins.WorkerTwin())).isInstanceOf(PluginException.class)
                .hasMessageContaining("'test-worker' is already registered by " + TestPlugins.Worker.class.getName())
                .satisfies(e -> assertThat(((PluginException) e).errno()).contains(Errno.EEXIST));
        assertThat(r.plugins()).hasSize(1);
    }

    @Test
    void badDeclarationsAreRejectedAtRegistration() {
        assertThatThrownBy(() -> new PluginRegistry().register(new TestPlugins.DoubleParam()))
                .hasMessageContaining("'n' is declared twice");
        assertThatThrownBy(() -> new PluginRegistry().register(new TestPlugins.BadDefault()))
                .hasMessageContaining("default of parameter 'threads' is invalid");
    }

    @Test
    void unknownPluginIsEnoent() {
        assertThatThrownBy(() -> new PluginRegistry().get("nope"))
                .satisfies(e -> assertThat(((PluginException) e).errno()).contains(Errno.ENOENT));
    }

    @Test
    void sameSeedSameVirtualTime() {
        PluginRunner runner = new PluginRunner(new PluginRegistry().register(new TestPlugins.Worker()));
        assertThat(runner.run("test-worker", Map.of(), SMALL, 3).result())
                .isEqualTo(runner.run("test-worker", Map.of(), SMALL, 3).result());
    }
}
