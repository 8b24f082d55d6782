package org.kemu.integrationtests.outside;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Using kemu from your code" taken literally: its pom (importing kemu-bom) and its
 * first experiment are copied into a new project outside the tree, built against the installed
 * reactor, and run. The library it depends on brings no CLI, plot, progress, logging backend or
 * plugin jar.
 */
class OutsideProjectIT {

    @Test
    void theReadmeProjectBuildsAgainstTheBomAndRunsItsExperiment(@TempDir Path tmp) throws Exception {
        String readme = Files.readString(OutsideBuild.reactorRoot().resolve("README.md"));
        Path project = tmp.resolve("first-experiment");
        Path src = Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(project.resolve("pom.xml"), block(readme, "<!-- outside-project pom -->", "xml"));
        Files.writeString(src.resolve("FirstExperiment.java"), block(readme, "<!-- outside-project experiment -->",
                "java"));

        OutsideBuild.mvn(project, "-q", "compile",
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.outputFile=classpath.txt", "-Dmdep.includeScope=runtime");
        String classpath = Files.readString(project.resolve("classpath.txt")).strip();
        List<String> jars = Arrays.stream(classpath.split(File.pathSeparator))
                .map(j -> Path.of(j).getFileName().toString()).toList();
        assertThat(jars).anyMatch(j -> j.startsWith("lab-")).anyMatch(j -> j.startsWith("guice-"))
                .noneMatch(j -> j.matches("(picocli|xchart|VectorGraphics2D|progressbar|jline|logback|cli"
                        + "|hugetlb-fallocate|deferred-page-init|hugetlb-boot-init|example-plugin|plugin-testkit)-.*"));

        String out = OutsideBuild.java(project, project.resolve("target/classes") + File.pathSeparator + classpath,
                "FirstExperiment");
        assertThat(out).containsPattern("(?m)^pin [0-9]+\\.[0-9]{3} s \\(virtual\\)$");
        assertThat(out).doesNotContain("sun.misc.Unsafe");
    }

    /** The fenced block of {@code lang} right after {@code marker}. */
    static String block(String doc, String marker, String lang) {
        int at = doc.indexOf(marker);
        assertThat(at).as("README marker %s", marker).isNotNegative();
        int open = doc.indexOf("```" + lang + "\n", at);
        int close = doc.indexOf("\n```", open + 4);
        return doc.substring(open + lang.length() + 4, close + 1);
    }
}
