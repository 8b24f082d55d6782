package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * org.kemu.schedfair.internal is public only because sched-fair's own sim and hosted packages need
 * it: no other module of the reactor may name it (in source, main or test), or a backend detail
 * becomes API again. A source scan, so that it holds without ArchUnit (integration-tests' rule
 * checks the compiled main classes).
 */
class InternalPackageGuardTest {
    static final String INTERNAL = "org.kemu.schedfair.internal";

    /** Java sources outside {@code sched-fair/} under {@code root} that name the internal package. */
    static List<Path> offenders(Path root) {
        Path own = root.resolve("sched-fair");
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.startsWith(own))
                    .filter(p -> !isBuildOutput(root.relativize(p)))
                    .filter(p -> read(p).contains(INTERNAL))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isBuildOutput(Path relative) {
        for (Path name : relative) {
            if (name.toString().equals("target")) {
                return true;
            }
        }
        return false;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reactor root: the nearest ancestor of the module directory whose pom lists sched-fair. */
    private static Path reactorRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path pom = d.resolve("pom.xml");
            if (Files.isRegularFile(pom) && read(pom).contains("<module>sched-fair</module>")) {
                return d;
            }
        }
        throw new IllegalStateException("no reactor pom listing sched-fair above " + Path.of("").toAbsolutePath());
    }

    @Test
    void noOtherModuleUsesTheInternalPackage() {
        Path root = reactorRoot();
        assertThat(root.resolve("lab")).isDirectory();
        assertThat(offenders(root)).isEmpty();
    }

    @Test
    void theScanFindsAUseOutsideSchedFairAndIgnoresSchedFairItself(@TempDir Path root) throws IOException {
        String use = "package x;\nimport " + INTERNAL + ".TaskStruct;\nclass A {}\n";
        Path inside = root.resolve("sched-fair/src/main/java/x/A.java");
        Path outside = root.resolve("mm-gup/src/test/java/x/A.java");
        Path built = root.resolve("lab/target/generated-sources/x/A.java");
        for (Path p : List.of(inside, outside, built)) {
            Files.createDirectories(p.getParent());
            Files.writeString(p, use);
        }
        assertThat(offenders(root)).containsExactly(outside);
    }
}
