package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentCommandTest {
    @TempDir
    Path dir;

    /** patch 8's sweep on a tiny subset: one machine, backing, size; 2 thread counts x 2 caches. */
    private CapturedRun tinyPatch8(Path out, String format) {
        return CapturedRun.of("experiment", "patch8-sweep", "--machine", "intel-8167m", "--backing", "hugetlb",
                "--prealloc", "0", "--mem", "2G", "--threads", "1,8", "--cache", "0,65536", "--out", out.toString(),
                "--format", format);
    }

    @Test
    void listDescribesEveryExperiment() {
        CapturedRun r = CapturedRun.of("experiment", "--list");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("patch8-sweep:", "patch13-nice:", "patch14-nice-one-by-one:", "ktask-2018:",
                "deferred-init-2020:", "machine: ", "rows: ", "columns: ", "time: ", "intel-8160");
    }

    @Test
    void patch8SweepHasThePublishedColumnsAndOneRowPerThreadAndCache() throws Exception {
        Path out = dir.resolve("p8.csv");
        CapturedRun r = tinyPatch8(out, "csv");
        assertThat(r.rc()).as(r.err()).isZero();
        var lines = r.out().strip().lines().toList();
        assertThat(lines.get(0)).isEqualTo("machine,backing,prealloc_threads,guest_gib,lock_cache_pages,padata_threads,"
                + "pin_seconds,pin_speedup,init_seconds,init_speedup");
        // cache 0 then 65536, threads 1 then 8 within each: the published table's order
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.split(",")[4] + "/" + l.split(",")[5])
                .containsExactly("0/1", "0/8", "65536/1", "65536/8");
        assertThat(Files.readString(out)).isEqualTo(r.out());
        assertThat(Files.readString(Path.of(out + ".json"))).contains("\"kind\" : \"experiment\"", "\"pin_speedup\"");
        // the cells are kemu sweep's own, with its JSON sidecar
        assertThat(Path.of(out + ".intel-8167m.sweep.csv.json")).exists();
        // 1 padata thread with the cache is patch 8's serial-equivalent: about the base kernel's time (input 2's
        // 1-thread row is 1.0x); 8 threads with the cache beat it
        double oneThread = Double.parseDouble(lines.get(3).split(",")[7]);
        double eight = Double.parseDouble(lines.get(4).split(",")[7]);
        assertThat(oneThread).isBetween(0.9, 1.1);
        assertThat(eight).isGreaterThan(2.0);
    }

    /** --seeds: each row is its cell's mean over the seeds, and one seed is the row of a --seed run. */
    @Test
    void patch8SweepOverSeedsPrintsEachCellsMean() throws Exception {
        Path out = dir.resolve("p8s.csv");
        CapturedRun r = CapturedRun.of("experiment", "patch8-sweep", "--machine", "intel-8167m", "--backing", "hugetlb",
                "--prealloc", "0", "--mem", "2G", "--threads", "8", "--cache", "0", "--seeds", "1,2", "--out",
                out.toString(), "--format", "csv");
        assertThat(r.rc()).as(r.err()).isZero();
        var rows = r.out().strip().lines().toList();
        assertThat(rows).hasSize(2);
        double mean = Double.parseDouble(rows.get(1).split(",")[6]);
        var sweep = Files.readAllLines(Path.of(out + ".intel-8167m.sweep.csv"));
        int seedCol = java.util.List.of(sweep.get(0).split(",")).indexOf("seed");
        int pinCol = java.util.List.of(sweep.get(0).split(",")).indexOf("pin_seconds");
        double[] pins = sweep.stream().skip(1).filter(l -> l.contains(",padata,"))
                .mapToDouble(l -> Double.parseDouble(l.split(",")[pinCol])).toArray();
        assertThat(sweep.stream().skip(1).filter(l -> l.contains(",padata,")).map(l -> l.split(",")[seedCol]))
                .containsExactly("1", "2");
        assertThat(mean).isCloseTo((pins[0] + pins[1]) / 2, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(r.out()).doesNotContain("mean over seeds");
        CapturedRun one = CapturedRun.of("experiment", "patch8-sweep", "--machine", "intel-8167m", "--backing", "hugetlb",
                "--prealloc", "0", "--mem", "2G", "--threads", "8", "--cache", "0", "--seed", "2", "--out",
                dir.resolve("p8one.csv").toString(), "--format", "csv");
        assertThat(Double.parseDouble(one.out().strip().lines().toList().get(1).split(",")[6]))
                .isCloseTo(pins[1], org.assertj.core.data.Offset.offset(1e-6));
        assertThat(CapturedRun.of("experiment", "patch8-sweep", "--machine", "intel-8167m", "--backing", "hugetlb",
                "--prealloc", "0", "--mem", "2G", "--threads", "8", "--cache", "0", "--seeds", "1,2", "--out",
                dir.resolve("p8t.csv").toString()).out()).contains("mean over seeds 1,2");
    }

    @Test
    void sameSeedGivesTheSameJson() {
        // separate directories: the sweep underneath resumes from its files, which would hide a difference
        String a = tinyPatch8(dir.resolve("a.csv"), "json").out();
        String b = tinyPatch8(dir.resolve("b.csv"), "json").out();
        assertThat(a).contains("\"rows\"").isEqualTo(b);
    }

    @Test
    void deferredInitRunsThroughThePluginOnADerivedMachine() {
        CapturedRun r = CapturedRun.of("experiment", "deferred-init-2020", "--machine", "amd-7551-vm4", "--format", "csv");
        assertThat(r.rc()).as(r.err()).isZero();
        var lines = r.out().strip().lines().toList();
        assertThat(lines.get(0)).isEqualTo("machine,share_percent,threads,deferred_init_ms,boot_seconds");
        // 7 shares of the 4-CPU node: 2% and 12% round to at least 1 thread, 100% is all 4
        assertThat(lines).hasSize(8);
        assertThat(lines.get(1)).startsWith("amd-7551-vm4,2,1,");
        assertThat(lines.get(7)).startsWith("amd-7551-vm4,100,4,");
    }

    @Test
    void munmapThreadSweepHasOneRowPerBackingAndThreadCountWithSpeedupsAgainstOneThread() {
        CapturedRun r = CapturedRun.of("experiment", "munmap-threads", "--quick", "--format", "csv");
        assertThat(r.rc()).as(r.err()).isZero();
        // the case label has a space, so the CSV writer quotes it
        var lines = r.out().strip().lines().map(l -> l.replace("\"", "")).toList();
        assertThat(lines.get(0)).isEqualTo("case,threads,threads_used,job_ms,speedup");
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.split(",")[0] + "/" + l.split(",")[1])
                .containsExactly("thp 1G/1", "thp 1G/2", "thp 1G/4", "thp 1G/8", "thp 1G/16",
                        "4k 1G/1", "4k 1G/2", "4k 1G/4", "4k 1G/8", "4k 1G/16");
        // each case's 1-thread row is its own base
        assertThat(lines.get(1).split(",")[4]).isEqualTo("1");
        assertThat(lines.get(6).split(",")[4]).isEqualTo("1");
        // zapping 4 KiB PTEs is per-page work that parallelises: 8 threads beat one
        assertThat(Double.parseDouble(lines.get(9).split(",")[4])).isGreaterThan(2.0);
        assertThat(CapturedRun.of("experiment", "munmap-threads", "--quick", "--format", "csv").out()).isEqualTo(r.out());
    }

    @Test
    void badNamesAndOptionsGiveAClearErrorAndExit2() {
        for (String[][] c : new String[][][] {
            {{"experiment", "patch99"}, {"unknown experiment 'patch99'"}},
            {{"experiment"}, {"missing experiment name"}},
            {{"experiment", "patch13-nice", "--backing", "thp"}, {"apply to patch8-sweep only"}},
            {{"experiment", "ktask-2018", "--seeds", "1,2"}, {"apply to patch8-sweep only"}},
            {{"experiment", "patch8-sweep", "--machine", "intel-8160"}, {"unknown patch8-sweep machine"}},
            {{"experiment", "patch8-sweep", "--threads", "0"}, {"at least 1"}},
            {{"experiment", "deferred-init-2020", "--machine", "cray"}, {"unknown deferred-init-2020 machine"}},
            {{"experiment", "ktask-2018", "--threads", "17"}, {"1..16"}},
            {{"experiment", "--list", "ktask-2018"}, {"--list takes no experiment name"}}}) {
            CapturedRun r = CapturedRun.of(c[0]);
            assertThat(r.rc()).as(String.join(" ", c[0])).isEqualTo(2);
            assertThat(r.err()).contains(c[1][0]).doesNotContain("\tat ");
        }
    }
}
