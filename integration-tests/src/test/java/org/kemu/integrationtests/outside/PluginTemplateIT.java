package org.kemu.integrationtests.outside;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kemu.cli.KemuCli;

/**
 * plugins/template copied out of the tree, built and tested (with the test kit) against the
 * installed reactor, then run by the CLI from the plugin path: no kemu file is edited.
 */
class PluginTemplateIT {
    @TempDir
    static Path tmp;
    static Path jar;

    record Out(int rc, String out, String err) {
    }

    @BeforeAll
    static void buildTheTemplateOutsideTheTree() throws Exception {
        Path project = tmp.resolve("my-job");
        copy(OutsideBuild.reactorRoot().resolve("plugins/template"), project);
        String log = OutsideBuild.mvn(project, "package");
        assertThat(log).containsPattern("Tests run: [1-9][0-9]*, Failures: 0, Errors: 0");
        jar = project.resolve("target/my-job-1.0.jar");
        assertThat(jar).exists();
    }

    static Out cli(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int rc = KemuCli.execute(new PrintWriter(o), new PrintWriter(e), args);
        return new Out(rc, o.toString(), e.toString());
    }

    @Test
    void theTemplateRunsFromThePluginPath() {
        Out r = cli("--plugin-path", jar.toString(), "run", "my-job", "--size", "64M", "--threads", "2",
                "--format", "json");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"plugin\" : \"my-job\"", "\"units\" : 32", "\"size\" : \"64M\"");
        assertThat(cli("run", "my-job").err()).contains("no plugin named 'my-job'");
    }

    @Test
    void pluginsAndRunHelpShowItsParametersAndWhereItCameFrom() {
        Out list = cli("--plugin-path", jar.toString(), "plugins");
        assertThat(list.rc()).isZero();
        assertThat(list.out()).contains("my-job - the plugin template's job", "(from the plugin path: " + jar,
                "--page-ns LONG", "CPU ns per 4 KiB page (default 100)", "hugetlb-fallocate");
        assertThat(list.out().lines()).allMatch(l -> l.length() <= 100);
        Out help = cli("--plugin-path", jar.toString(), "run", "my-job", "--help");
        assertThat(help.rc()).isZero();
        assertThat(help.out()).contains("Parameters of my-job", "--size BYTES", "bytes to touch, a multiple of 2M"
                + " (default 1G)", "--profile");
    }

    @Test
    void kemuPluginPathInTheEnvironmentWorksLikeTheOption() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KemuCli.class.getName(), "plugins");
        pb.environment().put("KEMU_PLUGIN_PATH", jar.getParent().toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("my-job - ", "(from the plugin path: " + jar);
    }

    @Test
    void aMissingPluginPathEntryIsAUsageError() {
        Out r = cli("--plugin-path", tmp.resolve("nope.jar").toString(), "plugins");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("nope.jar", "does not exist");
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.filter(p -> !from.relativize(p).startsWith("target")).toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

}
