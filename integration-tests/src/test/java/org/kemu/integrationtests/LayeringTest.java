package org.kemu.integrationtests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/design.md section 1: dependencies point one way (sched-fair <- mm-gup <- vfio-type1, sched-fair
 * <- padata-core <- vfio-type1, plugin-api -> {sched-fair, mm-gup, padata-core}, plugins ->
 * plugin-api, lab -> everything), nothing below lab knows Guice injectors, the CLI or report
 * formats, and the plugin SPI keeps Guice out of its signatures. Issue 12: Guice is imported only in
 * lab (the one composition root; the test kit boots through it without Guice), and the SPI package
 * reaches no implementation package of any module. Issue 16: the CLI is its own module (org.kemu.cli)
 * above the library.
 */
class LayeringTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importKemu() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.kemu");
    }

    private static final String[] PLUGINS = {"org.kemu.hugetlbfallocate..", "org.kemu.deferredpageinit..",
        "org.kemu.hugetlbbootinit..", "org.kemu.exampleplugin..", "org.kemu.memoryhotpluginit..", "org.kemu.munmap..",
        "org.kemu.ibumemrelease.."};

    @Test
    void schedFairDependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("org.kemu.schedfair..").should().dependOnClassesThat()
                .resideInAnyPackage("org.kemu.mmgup..", "org.kemu.padatacore..", "org.kemu.vfiotype1..",
                        "org.kemu.pluginapi..", "org.kemu.plugintestkit..", "org.kemu.lab..")
                .check(classes);
    }

    @Test
    void mmGupAndPadataAreSiblings() {
        noClasses().that().resideInAPackage("org.kemu.mmgup..").should().dependOnClassesThat()
                .resideInAnyPackage("org.kemu.padatacore..", "org.kemu.vfiotype1..", "org.kemu.pluginapi..",
                        "org.kemu.lab..")
                .check(classes);
        noClasses().that().resideInAPackage("org.kemu.padatacore..").should().dependOnClassesThat()
                .resideInAnyPackage("org.kemu.mmgup..", "org.kemu.vfiotype1..", "org.kemu.pluginapi..",
                        "org.kemu.lab..")
                .check(classes);
    }

    @Test
    void vfioKnowsNeitherPluginsNorLab() {
        noClasses().that().resideInAPackage("org.kemu.vfiotype1..").should().dependOnClassesThat()
                .resideInAnyPackage("org.kemu.pluginapi..", "org.kemu.lab..")
                .check(classes);
    }

    @Test
    void pluginsSeeOnlyTheSpiAndTheLayersBelow() {
        noClasses().that().resideInAnyPackage(PLUGINS).or().resideInAPackage("org.kemu.pluginapi..")
                .should().dependOnClassesThat()
                .resideInAnyPackage("org.kemu.lab..", "org.kemu.vfiotype1..", "com.google.inject..")
                .check(classes);
        // plugins use the memory subsystem's API, never its implementation packages
        noClasses().that().resideInAnyPackage(PLUGINS).should().dependOnClassesThat()
                .resideInAnyPackage("org.kemu.mmgup.phys..", "org.kemu.mmgup.mm..", "org.kemu.mmgup.gup..")
                .check(classes);
    }

    /** Implementation packages: every sub-package of a subsystem's API package, and all of lab. */
    private static final String[] IMPLEMENTATIONS = {"org.kemu.schedfair.*..", "org.kemu.mmgup.*..",
        "org.kemu.padatacore.*..", "org.kemu.vfiotype1.*..", "org.kemu.lab.."};

    /** Issue 16: the library (lab) knows neither the CLI module nor the CLI's libraries or a logging backend. */
    @Test
    void theLibraryKnowsNoCli() {
        noClasses().that().resideInAPackage("org.kemu.lab..")
                .should().dependOnClassesThat().resideInAnyPackage("org.kemu.cli..", "picocli..", "ch.qos.logback..",
                        "org.knowm.xchart..", "me.tongfei.progressbar..", "com.fasterxml.jackson.dataformat.csv..")
                .check(classes);
    }

    /** The backend seam and the shared primitives are sched-fair's own: other modules see its API only. */
    @Test
    void schedFairInternalsStayInsideSchedFair() {
        noClasses().that().resideOutsideOfPackage("org.kemu.schedfair..")
                .should().dependOnClassesThat().resideInAnyPackage("org.kemu.schedfair.internal..",
                        "org.kemu.schedfair.sim..", "org.kemu.schedfair.hosted..", "org.kemu.schedfair.lockdep..")
                .check(classes);
    }

    @Test
    void guiceOnlyInLab() {
        noClasses().that().resideOutsideOfPackage("org.kemu.lab..")
                .should().dependOnClassesThat().resideInAPackage("com.google.inject..")
                .check(classes);
    }

    @Test
    void theSpiReachesNoImplementationPackage() {
        noClasses().that().resideInAPackage("org.kemu.pluginapi")
                .should().dependOnClassesThat().resideInAnyPackage(IMPLEMENTATIONS)
                .check(classes);
        // and the plugins, which see only the SPI and the API packages it exposes
        noClasses().that().resideInAnyPackage(PLUGINS)
                .should().dependOnClassesThat().resideInAnyPackage(IMPLEMENTATIONS)
                .check(classes);
    }

    @Test
    void theSpiPatternMatchesImplementationPackagesOnly() {
        // the rule above can fail: sub-packages match, the API packages themselves do not
        var matcher = com.tngtech.archunit.core.domain.PackageMatchers.of(IMPLEMENTATIONS);
        org.assertj.core.api.Assertions.assertThat(matcher.test("org.kemu.padatacore.kthread")).isTrue();
        org.assertj.core.api.Assertions.assertThat(matcher.test("org.kemu.mmgup.phys")).isTrue();
        org.assertj.core.api.Assertions.assertThat(matcher.test("org.kemu.lab.pluginhost")).isTrue();
        org.assertj.core.api.Assertions.assertThat(matcher.test("org.kemu.padatacore")).isFalse();
        org.assertj.core.api.Assertions.assertThat(matcher.test("org.kemu.schedfair")).isFalse();
    }

    @Test
    void nothingBelowLabKnowsTheCliOrReportFormats() {
        noClasses().that().resideOutsideOfPackages("org.kemu.lab..", "org.kemu.cli..")
                .should().dependOnClassesThat()
                .resideInAnyPackage("picocli..", "com.fasterxml.jackson..", "ch.qos.logback..", "org.knowm.xchart..",
                        "me.tongfei.progressbar..")
                .check(classes);
        noClasses().that().resideOutsideOfPackage("org.kemu.lab..")
                .should().dependOnClassesThat().haveFullyQualifiedName("com.google.inject.Injector")
                .check(classes);
    }
}
