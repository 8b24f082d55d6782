package org.kemu.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Approach;
import org.kemu.lab.Profiles;
import org.kemu.lab.workload.UserSpaceMapDma;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.cli.ResultTable.Column;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sweep", description = "Guest inits over a matrix of options: CSV plus a JSON sidecar.",
        subcommands = org.kemu.cli.sweep.SweepMergeCommand.class)
final class SweepCommand extends KemuCommand {
    @Option(names = "--profiles", split = ",", paramLabel = "P", defaultValue = "intel-8167m",
            description = "machine profiles: built-in names or profile JSON files (default: ${DEFAULT-VALUE})")
    List<String> profiles;
    @Option(names = "--backings", split = ",", paramLabel = "B", defaultValue = "hugetlb",
            description = "guest RAM backings, hugetlb and/or thp (default: ${DEFAULT-VALUE})")
    List<String> backings;
    @Option(names = "--mems", split = ",", paramLabel = "SIZE", defaultValue = "16G",
            description = "guest RAM sizes, e.g. 16G,128G (default: ${DEFAULT-VALUE})")
    List<String> mems;
    @Option(names = "--prealloc-threads", split = ",", paramLabel = "N", defaultValue = "0",
            description = "qemu -mem-prealloc thread counts, 0 = no prealloc (default: ${DEFAULT-VALUE})")
    List<Integer> prealloc;
    @Option(names = "--padata-threads", split = ",", paramLabel = "N", defaultValue = "0,16",
            description = "thread counts of the multithreaded pin, 0 = the unmodified serial kernel"
                    + " (default: ${DEFAULT-VALUE})")
    List<Integer> threads;
    @Option(names = "--lock-cache-pages", split = ",", paramLabel = "PAGES", defaultValue = "65536",
            description = "per-thread locked_vm cache sizes of patch 8, 0 = none; serial runs ignore it"
                    + " (default: ${DEFAULT-VALUE})")
    List<Long> caches;
    @Option(names = "--pin-modes", split = ",", paramLabel = "MODE",
            description = "pin modes: serial, padata, user-threads, user-threads-unlocked, folio-serial, folio-padata"
                    + " (default: serial for 0 threads, padata otherwise)")
    List<String> modes;
    @Option(names = "--seed", defaultValue = "1", description = "the seed of every run (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--out", defaultValue = "sweep.csv", paramLabel = "FILE",
            description = "the CSV file to write; the JSON sidecar is <out>.json (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--resume", description = "keep the cells --out already has (an interrupted sweep's) and run only the rest")
    boolean resume;

    @picocli.CommandLine.Mixin
    FormatOptions output = new FormatOptions();

    @picocli.CommandLine.Mixin
    org.kemu.cli.sweep.ShardOptions shardOptions;
    @picocli.CommandLine.Mixin
    org.kemu.cli.plot.PlotOptions plot;
    @picocli.CommandLine.Mixin
    LimitOptions limits;

    @Override
    public Integer call() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", Reports.CSV_COLUMNS));
        List<Map<String, Object>> runs = new ArrayList<>();
        var shard = shardOptions.shard();
        long cells = (long) profiles.size() * backings.size() * mems.size() * prealloc.size() * pins().size();
        long cell = 0;
        var observation = observation().collectMetrics(true);
        checkMatrix();
        org.kemu.cli.sweep.SweepOutput.checkWritable(out);
        var progress = org.kemu.cli.progress.Progress.start("sweep " + shard, shard.size(cells));
        ResultTable summary = summaryTable();
        // each finished cell is on disk at once (CSV row appended and flushed, sidecar rewritten): a crash
        // loses only the running cell
        var resumed = org.kemu.cli.sweep.SweepResume.open(out, lines.get(0), Reports.CSV_KEY_COLUMNS, resume);
        var csv = resumed.csv();
        runs.addAll(resumed.keptRuns(Path.of(out + ".json")));
        for (String prof : profiles) {
            MachineProfile p = Profiles.load(prof);
            for (String b : backings) {
                for (String m : mems) {
                    for (int q : prealloc) {
                        GuestSpec plain = new GuestSpec(Backing.parse(b), Sizes.parse(m), q);
                        for (Map.Entry<PinConfig, UserSpaceMapDma> pc : pins()) {
                            if (!shard.owns(cell++)) {
                                continue;
                            }
                            LabConfig c = limits.apply(LabConfig.of(seed, pc.getKey()));
                            GuestSpec g = plain.withMapDma(pc.getValue());
                            if (resumed.done(Reports.csvKey(p, c, g))) {
                                progress.step("kept " + GuestInitCommand.describe(c, g));
                                continue;
                            }
                            GuestInitResult r = Lab.guestInit(p, c, g, observation);
                            String row = Reports.csv(Reports.csvRow(p, c, g, r));
                            Map<String, Object> run = Reports.json(p, c, g, r);
                            observation.takeMetrics().ifPresent(x -> run.put("metrics", x));
                            runs.add(run);
                            csv.write(row + System.lineSeparator());
                            csv.flush();
                            writeSidecar(shard.describe(cells), runs);
                            progress.step(prof + " " + b + " " + m + " " + GuestInitCommand.describe(c, g));
                            err().printf("%s %s %s qthr=%d %s: pin %s s init %s s (virtual)%n", prof, b, m, q,
                                    GuestInitCommand.describe(c, g), Numbers.table(r.pinSeconds()),
                                    Numbers.table(r.initSeconds()));
                            summary.row(prof, b, Sizes.format(g.memBytes()), q, GuestInitCommand.describe(c, g),
                                    r.pinSeconds(), r.initSeconds(), r.totalLockWaitNs() / 1e9, r.wallNanos() / 1e9);
                        }
                    }
                }
            }
        }
        progress.close();
        csv.close();
        writeSidecar(shard.describe(cells), runs);
        String wrote = "wrote " + out + " and " + out + ".json (" + runs.size() + " runs)";
        switch (output.format) {
            case table -> {
                out().print(summary.table());
                out().println(wrote);
            }
            // the results on standard output for a pipe, the same bytes as the files; the report goes to stderr
            case csv -> {
                out().print(Files.readString(out));
                err().println(wrote);
            }
            case json -> {
                out().print(Files.readString(Path.of(out + ".json")));
                err().println(wrote);
            }
        }
        plot.write(out, output.format == OutputFormat.table ? out() : err());
        out().flush();
        return 0;
    }

    /** The table printed after the sweep: one row per cell, the CSV's main figures with their units. */
    private static ResultTable summaryTable() {
        return new ResultTable("sweep", Column.of("profile", "profile"), Column.of("backing", "backing"),
                Column.of("mem", "guest"), Column.of("prealloc_threads", "qthr"), Column.of("approach", "kernel"),
                Column.of("pin_seconds", "pin s (virtual)"), Column.of("init_seconds", "init s (virtual)"),
                Column.of("lock_wait_seconds", "lock wait s (virtual, sum)"), Column.of("wall_seconds", "wall s (real)"))
                .note(GuestInitCommand.TIME_NOTE.replace(" speedup: the serial 5.14 row's time over this row's.", ""))
                .note(CompareCommand.SUM_NOTE);
    }

    private void writeSidecar(Map<String, Object> shard, List<Map<String, Object>> runs) throws IOException {
        Map<String, Object> side = Results.document("sweep");
        side.put("seed", seed);
        Map<String, Object> matrix = new LinkedHashMap<>();
        matrix.put("profiles", profiles);
        matrix.put("backings", backings);
        matrix.put("mems", mems);
        matrix.put("prealloc_threads", prealloc);
        matrix.put("padata_threads", threads);
        matrix.put("lock_cache_pages", caches);
        matrix.put("pin_modes", modes);
        side.put("matrix", matrix);
        side.put("shard", shard);
        side.put("runs", runs);
        Files.writeString(Path.of(out + ".json"), Reports.toJson(side));
    }

    /** Parses every value of the matrix before the first cell runs, so a bad value late in a list costs no finished cell. */
    private void checkMatrix() {
        profiles.forEach(Profiles::load);
        for (String b : backings) {
            for (String m : mems) {
                for (int q : prealloc) {
                    GuestSpec plain = new GuestSpec(Backing.parse(b), Sizes.parse(m), q);
                    pins().forEach(pc -> plain.withMapDma(pc.getValue()));
                }
            }
        }
    }

    /** The kernel pin configurations and qemu MAP_DMA threads of the matrix, without repeats. */
    private List<Map.Entry<PinConfig, UserSpaceMapDma>> pins() {
        List<Map.Entry<PinConfig, UserSpaceMapDma>> l = new ArrayList<>();
        for (int t : threads) {
            for (long cache : caches) {
                if (modes == null) {
                    add(l, Map.entry(Approach.padataOrSerial(t, cache), UserSpaceMapDma.NONE));
                    continue;
                }
                for (String ms : modes) {
                    Approach a = Approach.parse(ms);
                    int n = a.threaded() ? Math.max(1, t) : 1;
                    add(l, Map.entry(a.pinConfig(n, a.threaded() ? cache : 0), a.userSpaceMapDma(n)));
                }
            }
        }
        return l;
    }

    private static <T> void add(List<T> l, T x) {
        if (!l.contains(x)) {
            l.add(x);
        }
    }
}
