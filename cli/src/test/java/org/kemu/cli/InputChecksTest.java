package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kemu.cli.sweep.SweepMergeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

class InputChecksTest {
    @Test
    void everyOptionOfTheseCommandsSaysWhatItIsAndItsDefault() {
        for (Object cmd : List.of(new GuestInitCommand(), new CompareCommand(), new ProfilesCommand(), new BenchCommand(),
                new CalibrateCommand(), new SweepMergeCommand())) {
            var spec = new CommandLine(cmd).getCommandSpec();
            List<ArgSpec> args = new java.util.ArrayList<>(spec.options().stream()
                    .filter(o -> !List.of("--plot", "--help", "--version").contains(o.longestName()))
                    .filter(o -> !(cmd instanceof GuestInitCommand) || spec.mixins().get("o").findOption(o.longestName()) != null)
                    .map(o -> (ArgSpec) o).toList());
            args.addAll(spec.positionalParameters());
            assertThat(args).as(spec.name()).isNotEmpty();
            for (ArgSpec a : args) {
                assertThat(String.join(" ", a.description())).as(spec.name() + " " + a).contains("(default: ");
            }
        }
        // the rendered help shows the value, not the placeholder
        assertThat(CapturedRun.of("bench", "--help").out().replaceAll("\\s+", " ")).contains("(default: 0)").doesNotContain("${");
        assertThat(CapturedRun.of("calibrate", "--help").out().replaceAll("\\s+", " ")).contains("(default: docs/calibration.md)");
    }

    @Test
    void moreThreadsThanCpusWarns() {
        // intel-8167m: 2 nodes x 26 cores x 2 SMT = 104 CPUs
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "2G", "--padata-threads", "100000");
        assertThat(r.err()).contains("warning: --padata-threads 100000 is more threads than the 104 CPUs of intel-8167m");
        CapturedRun ok = CapturedRun.of("guest-init", "--mem", "2G", "--padata-threads", "104");
        assertThat(ok.rc()).isZero();
        assertThat(ok.err()).doesNotContain("warning");
    }

    @Test
    void aSerialPinModeWithThreadsIsAnErrorNamingBoth() {
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "2G", "--pin-mode", "serial", "--padata-threads", "8");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("--pin-mode serial", "--padata-threads 8");
        // the default thread count does not count as asking for threads
        assertThat(CapturedRun.of("guest-init", "--mem", "2G", "--pin-mode", "serial").rc()).isZero();
    }

    @Test
    void pinLockingTakesTheThreeModesAndRefusesOthers() throws java.io.IOException {
        // the 2018 ktask stages (vfio-type1 PinLocking): a writer-free pin takes no vfio_lock_acct() writer
        CapturedRun atomic = CapturedRun.of("guest-init", "--mem", "2G", "--lock-cache-pages", "0", "--pin-locking",
                "atomic", "--format", "json");
        assertThat(atomic.rc()).as(atomic.err()).isZero();
        assertThat(atomic.out()).contains("\"write_lock_charges\" : 0");
        CapturedRun base = CapturedRun.of("guest-init", "--mem", "2G", "--lock-cache-pages", "0", "--format", "json");
        assertThat(base.out()).doesNotContain("\"write_lock_charges\" : 0");
        assertThat(atomic.out()).doesNotContain("\"atomic_charges\" : 0");
        CapturedRun held = CapturedRun.of("guest-init", "--mem", "2G", "--pin-locking", "atomic-read-held", "--format",
                "json");
        assertThat(held.rc()).as(held.err()).isZero();
        // one read acquisition per vfio_pin_pages_remote() run instead of one per GUP batch
        assertThat(readLocks(held.out())).isPositive()
                .isEqualTo(Reports.JSON.readTree(held.out()).findValue("contiguous_runs").asLong());
        CapturedRun bad = CapturedRun.of("guest-init", "--mem", "2G", "--pin-locking", "spin");
        assertThat(bad.rc()).isEqualTo(2);
        assertThat(bad.err()).contains("--pin-locking must be mmap-write, atomic or atomic-read-held: spin");
    }

    private static long readLocks(String json) throws java.io.IOException {
        return Reports.JSON.readTree(json).findValue("mmap_read_locks").asLong();
    }

    @Test
    void compareRefusesZeroThreads() {
        CapturedRun r = CapturedRun.of("compare", "--mem", "2G", "--padata-threads", "0");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("compare needs at least 1 thread").doesNotContain("padata 1 threads");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aGuestLargerThanTheMachineFailsBeforeBoot() {
        // GuestInit.memoryFor: intel-8167m has 2 x 384 GiB
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "1T", "--backing", "thp");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("1 TiB guest, 768 GiB machine");
        // 768 GiB fits the machine but not a hugetlb pool of half of it plus one page per node
        CapturedRun pool = CapturedRun.of("guest-init", "--mem", "768G", "--backing", "hugetlb");
        assertThat(pool.rc()).isEqualTo(2);
        assertThat(pool.err()).contains("hugetlb pool of", "per node for a 768 GiB guest, 384 GiB per node");
    }

    @Test
    void anOverflowingSizeSaysSo() {
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "100000000T");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("overflows").doesNotContain("multiple of 2 MiB");
    }

    @Test
    void aMissingSidecarIsNamed(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("x.csv");
        Files.writeString(csv, "a,b\n");
        CapturedRun r = CapturedRun.of("sweep", "merge", csv.toString(), "-o", dir.resolve("m.csv").toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("sidecar " + csv + ".json of " + csv + " not found");
    }
}
