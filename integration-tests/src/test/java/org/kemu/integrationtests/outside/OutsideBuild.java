package org.kemu.integrationtests.outside;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Maven build of a project outside the kemu tree, as a user of the published artifacts runs it.
 * The reactor's artifacts are installed (copied in the layout {@code mvn install} writes) into a
 * private local repository under {@code target/}, so ~/.m2 of other builds is never written; the
 * user's repository is a read-only tail ({@code maven.repo.local.tail}, Maven 3.9), so third-party
 * jars and plugins the reactor already downloaded are not fetched again.
 */
public final class OutsideBuild {
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern ARTIFACT = Pattern.compile("<artifactId>([^<]+)</artifactId>");
    private static Path installed;

    private OutsideBuild() {
    }

    public static Path reactorRoot() {
        return Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();
    }

    public static String kemuVersion() {
        return System.getProperty("kemu.version", "0.1.0-SNAPSHOT");
    }

    /** The private repository with every reactor artifact installed (once per test JVM). */
    public static synchronized Path privateRepository() throws IOException {
        if (installed == null) {
            Path repo = reactorRoot().resolve("integration-tests/target/outside-repo");
            Path kemu = repo.resolve("org/kemu");
            if (Files.exists(kemu)) {
                try (Stream<Path> s = Files.walk(kemu)) {
                    for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                        Files.delete(p);
                    }
                }
            }
            install(reactorRoot(), "kemu-parent", repo);
            String root = Files.readString(reactorRoot().resolve("pom.xml"));
            Matcher m = MODULE.matcher(root);
            while (m.find()) {
                Path module = reactorRoot().resolve(m.group(1));
                String artifact = artifactId(Files.readString(module.resolve("pom.xml")));
                if (!artifact.equals("integration-tests")) {
                    install(module, artifact, repo);
                }
            }
            installed = repo;
        }
        return installed;
    }

    /** The module's own artifactId: the first one after its parent block (or the first one if it has none). */
    private static String artifactId(String pom) {
        int from = pom.contains("</parent>") ? pom.indexOf("</parent>") : pom.indexOf("<project");
        Matcher m = ARTIFACT.matcher(pom);
        if (!m.find(from)) {
            throw new IllegalStateException("no artifactId in a module pom");
        }
        return m.group(1);
    }

    /** What install:install writes for one module: its pom, its jar and every classified jar beside it. */
    private static void install(Path module, String artifact, Path repo) throws IOException {
        String v = kemuVersion();
        Path dir = Files.createDirectories(repo.resolve("org/kemu").resolve(artifact).resolve(v));
        Files.copy(module.resolve("pom.xml"), dir.resolve(artifact + "-" + v + ".pom"),
                StandardCopyOption.REPLACE_EXISTING);
        Path target = module.resolve("target");
        if (Files.isDirectory(target)) {
            try (Stream<Path> s = Files.list(target)) {
                for (Path jar : s.filter(p -> p.getFileName().toString().startsWith(artifact + "-" + v)
                        && p.getFileName().toString().endsWith(".jar")).toList()) {
                    Files.copy(jar, dir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Runs the reactor's Maven Wrapper on {@code project} with the private repository; fails the test on error. */
    public static String mvn(Path project, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(reactorRoot().resolve("mvnw").toString(), "-B", "-ntp",
                "-f", project.resolve("pom.xml").toString(),
                "-Dmaven.repo.local=" + privateRepository(),
                "-Dmaven.repo.local.tail=" + System.getProperty("kemu.userRepository",
                        Path.of(System.getProperty("user.home"), ".m2", "repository").toString())));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MAVEN_OPTS");
        Path log = project.resolve("build.log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(done && p.exitValue() == 0).as("mvn %s in %s:%n%s", String.join(" ", args), project, out).isTrue();
        return out;
    }

    /** Runs {@code java -cp classpath mainClass} and returns its output; fails the test on a non-zero exit. */
    public static String java(Path dir, String classpath, String mainClass, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow"); // Guice 7's warning, as the README says
        }
        cmd.addAll(List.of("-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0).as("java %s:%n%s", mainClass, out).isTrue();
        return out;
    }
}
