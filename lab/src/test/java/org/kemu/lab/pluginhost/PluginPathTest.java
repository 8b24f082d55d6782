package org.kemu.lab.pluginhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kemu.lab.MachineProfile;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.MachineSpec;

/** Plugins from outside kemu's class path: {@code kemu --plugin-path} and {@code KEMU_PLUGIN_PATH}. */
class PluginPathTest {
    private static final ClassLoader SHIPPED = PluginPathTest.class.getClassLoader();

    @Test
    void aJarAndADirectoryOfJarsAreLoadedBesideTheShippedPlugins(@TempDir Path tmp) throws Exception {
        Path jar = pluginJar(tmp, "a", "OutsideOne", "outside-one");
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        Files.move(pluginJar(tmp, "b", "OutsideTwo", "outside-two"), dir.resolve("two.jar"));
        PluginRegistry r = PluginRegistry.load(SHIPPED, PluginPath.parse(jar + File.pathSeparator + dir));
        assertThat(r.problems()).hasSameSizeAs(PluginRegistry.load(SHIPPED).problems());
        assertThat(r.plugins()).extracting(PluginInfo::name)
                .containsExactly("outside-one", "outside-two", "test-thrower", "test-worker");
        PluginInfo one = r.plugins().get(0);
        assertThat(one.shipped()).isFalse();
        assertThat(one.source()).isEqualTo(jar.toString());
        assertThat(r.plugins().get(3).shipped()).isTrue();
        PluginRun run = new PluginRunner(r).run("outside-one", Map.of(), MachineProfile.of(MachineSpec.simple(2)), 1);
        assertThat(run.result().metrics()).containsEntry("outside", 1L);
    }

    @Test
    void aPluginReusingAShippedNameIsRefusedNamingBothJarsAndTheShippedOneStays(@TempDir Path tmp) throws Exception {
        Path jar = pluginJar(tmp, "c", "Impostor", "test-worker");
        PluginRegistry r = PluginRegistry.load(SHIPPED, PluginPath.parse(jar.toString()));
        assertThat(r.get("test-worker").getClass()).isEqualTo(TestPlugins.Worker.class);
        List<PluginException> added = r.problems().subList(PluginRegistry.load(SHIPPED).problems().size(),
                r.problems().size());
        assertThat(added).singleElement().satisfies(e -> {
            assertThat(e.errno()).contains(Errno.EEXIST);
            assertThat(e.getMessage()).contains("test-worker", jar.toString(), "outside.Impostor",
                    PluginRegistry.sourceOf(TestPlugins.Worker.class), "not loaded");
        });
    }

    @Test
    void aMissingEntryIsEnoentNamingIt(@TempDir Path tmp) {
        assertThatThrownBy(() -> PluginPath.parse(tmp.resolve("nope.jar").toString()))
                .isInstanceOf(PluginException.class).hasMessageContaining("nope.jar").hasMessageContaining("does not exist")
                .satisfies(e -> assertThat(((PluginException) e).errno()).contains(Errno.ENOENT));
        assertThat(PluginPath.parse(null).isEmpty()).isTrue();
        assertThat(PluginPath.parse(" ").isEmpty()).isTrue();
    }

    @Test
    void aPluginRefusedForItsDeclarationsSaysWhyWhenAskedFor() {
        PluginRegistry r = PluginRegistry.load(SHIPPED);
        assertThatThrownBy(() -> r.get("bad-default")).isInstanceOf(PluginException.class)
                .hasMessageContaining("'bad-default' was found but not loaded").hasMessageContaining("'threads'");
        assertThatThrownBy(() -> r.get("no-such")).hasMessageContaining("no plugin named 'no-such'")
                .hasMessageContaining("failed to load");
    }

    /** A jar holding one plugin class {@code outside.<cls>} named {@code name}, compiled here. */
    static Path pluginJar(Path tmp, String sub, String cls, String name) throws IOException, URISyntaxException {
        Path src = Files.createDirectories(tmp.resolve(sub + "/src/outside"));
        Path classes = Files.createDirectories(tmp.resolve(sub + "/classes"));
        Files.writeString(src.resolve(cls + ".java"), """
                package outside;
                import org.kemu.pluginapi.*;
                public final class %s implements KernelJobPlugin {
                    public String name() { return "%s"; }
                    public PluginResult run(PluginContext ctx, PluginParams p) {
                        ctx.metrics().set("outside", 1);
                        return PluginResult.of(ctx);
                    }
                }
                """.formatted(cls, name));
        String cp = Path.of(KernelJobPlugin.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + File.pathSeparator + Path.of(org.kemu.schedfair.Kernel.class.getProtectionDomain().getCodeSource()
                        .getLocation().toURI());
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "21", "-proc:none",
                "-d", classes.toString(), "-cp", cp, src.resolve(cls + ".java").toString());
        assertThat(rc).as("javac").isZero();
        Path services = Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(services.resolve(KernelJobPlugin.class.getName()), "outside." + cls + "\n");
        Path jar = tmp.resolve(sub + ".jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, jos);
                jos.closeEntry();
            }
        }
        return jar;
    }

}
