package org.kemu.plugintestkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kemu.mmgup.MmConstants;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.lab.pluginhost.PluginRun;
import org.kemu.lab.pluginhost.PluginRunner;
import org.kemu.schedfair.Kernel;
import org.kemu.lab.MachineProfile;
import org.kemu.schedfair.MachineSpec;

/**
 * A plugin jar that only a class loader knows about is discovered through ServiceLoader: the example
 * plugin is compiled and jarred here, separately from the reactor, then loaded with a fresh
 * URLClassLoader whose parent knows only the SPI: discovery through ServiceLoader is what proves the
 * plugin's registration (docs/plugins.md).
 */
class ExamplePluginJarIT {

    @Test
    void aJarOnlyTheClassLoaderKnowsIsDiscoveredAndRuns(@TempDir Path tmp) throws Exception {
        Path src = Path.of(System.getProperty("basedir", "."), "..", "example-plugin", "src", "main").normalize();
        Path jar = buildJar(src, tmp);

        ClassLoader spi = KernelJobPlugin.class.getClassLoader();
        assertThat(PluginRegistry.load(spi).contains("example-zeroing")).as("not on the test class path").isFalse();

        try (URLClassLoader cl = new URLClassLoader(new URL[] {jar.toUri().toURL()}, spi)) {
            PluginRegistry r = PluginRegistry.load(cl);
            assertThat(r.problems()).isEmpty();
            assertThat(r.contains("example-zeroing")).isTrue();
            assertThat(r.get("example-zeroing").getClass().getClassLoader()).isSameAs(cl);
            PluginRun run = new PluginRunner(r).run("example-zeroing", Map.of("size", "64M", "threads", "2"),
                    MachineProfile.of(MachineSpec.simple(2)), 1);
            assertThat(run.result().metrics()).containsEntry("units.cleared", 32L);
            assertThat(run.result().virtualTimeNs()).isPositive();
        }
    }

    private static Path buildJar(Path src, Path tmp) throws IOException, URISyntaxException {
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        List<String> sources;
        try (Stream<Path> s = Files.walk(src.resolve("java"))) {
            sources = s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        assertThat(sources).isNotEmpty();
        List<String> cp = new ArrayList<>();
        for (Class<?> c : new Class<?>[] {KernelJobPlugin.class, Kernel.class, MmConstants.class, PadataMtJob.class}) {
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("--release", "21", "-proc:none", "-d", classes.toString(),
                "-cp", String.join(java.io.File.pathSeparator, cp)));
        args.addAll(sources);
        assertThat(javac.run(null, null, null, args.toArray(String[]::new))).as("javac").isZero();
        Path jar = tmp.resolve("example-plugin.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os)) {
            for (Path root : List.of(classes, src.resolve("resources"))) {
                try (Stream<Path> s = Files.walk(root)) {
                    for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                        jos.putNextEntry(new JarEntry(root.relativize(p).toString().replace('\\', '/')));
                        Files.copy(p, jos);
                        jos.closeEntry();
                    }
                }
            }
        }
        return jar;
    }
}
