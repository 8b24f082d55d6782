package org.kemu.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Approach;
import org.kemu.lab.Profiles;
import org.kemu.lab.trace.RunObservation;
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
    @Option(names = "--mems", split = ",", paramLabel = "[PROFILE:]SIZE", defaultValue = "16G",
            description = "guest RAM sizes, e.g. 16G,128G; PROFILE:SIZE only on that profile, so the published"
                    + " patch-8 sizes are 16G,128G,intel-8167m:360G,amd-7j13:980G (default: ${DEFAULT-VALUE})")
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
    @Option(names = {"--seeds", "--seed"}, split = ",", paramLabel = "S", defaultValue = "1",
            description = "seeds: every cell is run once per seed, each a draw of where in its jiffy the run starts"
                    + " (threaded cells' lock waits depend on it; what else a seed draws: guest-init --help); the"
                    + " charts of --plot show each cell's mean over them (default: ${DEFAULT-VALUE})")
    List<Long> seeds;
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

    @Option(names = "--jobs", paramLabel = "N",
            description = "cells run at once, each kernel on its own thread (default: the host's available"
                    + " processors; 1 with --trace); the output is in matrix order whatever N")
    Integer jobs;

    /** One cell of the matrix, in matrix order. */
    private record Cell(String prof, MachineProfile p, String b, String m, int q, LabConfig c, GuestSpec g) {
    }

    /** What a finished cell leaves: its CSV row, its JSON run and its summary figures; no kernel. */
    private record Done(String row, Map<String, Object> run, double pin, double init, double lockWait,
            double wall) {
    }

    @Override
    public Integer call() throws IOException {
        // a repeated seed is one draw, run once (as repeated thread counts are)
        seeds = seeds.stream().distinct().toList();
        String header = String.join(",", Reports.CSV_COLUMNS);
        var shard = shardOptions.shard();
        var sizes = new org.kemu.cli.sweep.ProfileMems(mems, profiles);
        long cells = 0;
        for (String prof : profiles) {
            cells += (long) backings.size() * sizes.of(prof).size() * prealloc.size() * pins().size() * seeds.size();
        }
        long cell = 0;
        checkMatrix(sizes);
        org.kemu.cli.sweep.SweepOutput.checkWritable(out);
        int n = jobs();
        var progress = org.kemu.cli.progress.Progress.start("sweep " + shard, shard.size(cells));
        ResultTable summary = summaryTable(seeds.size() > 1);
        // each finished cell is on disk at once (CSV row appended and flushed, its run appended to the
        // sidecar): a crash loses only the running cells
        var resumed = org.kemu.cli.sweep.SweepResume.open(out, header, Reports.CSV_KEY_COLUMNS, resume);
        var csv = resumed.csv();
        List<Map<String, Object>> kept = resumed.keptRuns(Path.of(out + ".json"));
        int written = kept.size();
        List<Cell> todo = new ArrayList<>();
        for (String prof : profiles) {
            MachineProfile p = Profiles.load(prof);
            for (String b : backings) {
                for (String m : sizes.of(prof)) {
                    for (int q : prealloc) {
                        GuestSpec plain = new GuestSpec(Backing.parse(b), Sizes.parse(m), q);
                        for (Map.Entry<PinConfig, UserSpaceMapDma> pc : pins()) {
                            for (long seed : seeds) {
                                if (!shard.owns(cell++)) {
                                    continue;
                                }
                                LabConfig c = limits.apply(LabConfig.of(seed, pc.getKey()));
                                GuestSpec g = plain.withMapDma(pc.getValue());
                                if (resumed.done(Reports.csvKey(p, c, g))) {
                                    progress.step("kept " + GuestInitCommand.describe(c, g));
                                    continue;
                                }
                                todo.add(new Cell(prof, p, b, m, q, c, g));
                            }
                        }
                    }
                }
            }
        }
        // cells run on n threads; the finished ones are written in matrix order, and at most `window`
        // are started ahead of the first unwritten one (so a slow cell does not pile up results). The
        // first cell runs alone, so the live heap measured when it is written holds no other cell.
        int window = n == 1 ? 1 : 2 * n;
        long heapFirst = -1;
        ExecutorService pool = Executors.newFixedThreadPool(n, Thread.ofPlatform().name("sweep-cell-", 0)
                .daemon(true).factory());
        List<Future<Done>> futures = new ArrayList<>(todo.size());
        try (var side = new org.kemu.cli.sweep.SidecarWriter(Path.of(out + ".json"), Reports.JSON,
                sidecarHeader(shard.describe(cells)))) {
            for (Map<String, Object> r : kept) {
                side.add(r);
            }
            kept = null;
            for (int i = 0; i < todo.size(); i++) {
                while (futures.size() < todo.size() && futures.size() < i + (i == 0 ? 1 : window)) {
                    Cell x = todo.get(futures.size());
                    futures.add(pool.submit(() -> runCell(x, n)));
                }
                Done d = await(futures.get(i));
                futures.set(i, null);
                Cell x = todo.get(i);
                csv.write(d.row() + System.lineSeparator());
                csv.flush();
                side.add(d.run());
                written++;
                progress.step(x.prof() + " " + x.b() + " " + x.m() + " " + GuestInitCommand.describe(x.c(), x.g()));
                err().printf("%s %s %s qthr=%d %s: pin %s s init %s s (virtual)%n", x.prof(), x.b(), x.m(), x.q(),
                        GuestInitCommand.describe(x.c(), x.g()), Numbers.table(d.pin()), Numbers.table(d.init()));
                err().flush();
                List<Object> row = new ArrayList<>(List.of(x.prof(), x.b(), Sizes.format(x.g().memBytes()), x.q(),
                        GuestInitCommand.describe(x.c(), x.g())));
                if (seeds.size() > 1) {
                    row.add(x.c().seed());
                }
                row.addAll(List.of(d.pin(), d.init(), d.lockWait(), d.wall()));
                summary.row(row.toArray());
                if (i == 0) {
                    heapFirst = org.kemu.cli.sweep.LiveHeap.bytes();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        progress.close();
        csv.close();
        if (heapFirst >= 0) {
            long heapLast = org.kemu.cli.sweep.LiveHeap.bytes();
            err().printf("live heap (after full GCs): %s after the first cell, %s after the last (%+.1f MiB)%n",
                    org.kemu.cli.sweep.LiveHeap.mib(heapFirst), org.kemu.cli.sweep.LiveHeap.mib(heapLast),
                    (heapLast - heapFirst) / (double) (1 << 20));
        }
        String wrote = "wrote " + out + " and " + out + ".json (" + written + " runs)";
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
    private static ResultTable summaryTable(boolean seedColumn) {
        List<Column> cols = new ArrayList<>(List.of(Column.of("profile", "profile"), Column.of("backing", "backing"),
                Column.of("mem", "guest"), Column.of("prealloc_threads", "qthr"), Column.of("approach", "kernel")));
        if (seedColumn) {
            cols.add(Column.of("seed", "seed"));
        }
        cols.addAll(List.of(Column.of("pin_seconds", "pin s (virtual)"), Column.of("init_seconds", "init s (virtual)"),
                Column.of("lock_wait_seconds", "lock wait s (virtual, sum)"), Column.of("wall_seconds", "wall s (real)")));
        return new ResultTable("sweep", cols.toArray(Column[]::new))
                .note(GuestInitCommand.TIME_NOTE.replace(" speedup: the serial 5.14 row's time over this row's.", ""))
                .note(CompareCommand.SUM_NOTE);
    }

    /** The sidecar's fields before its runs: the document kind, the seeds, the matrix and the shard. */
    private Map<String, Object> sidecarHeader(Map<String, Object> shard) {
        Map<String, Object> side = Results.document("sweep");
        side.put("seeds", seeds);
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
        return side;
    }

    private int jobs() {
        if (observation().tracing()) {
            // one trace file, written by one run at a time
            return 1;
        }
        int n = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        if (n < 1) {
            throw new IllegalArgumentException("--jobs " + n + ": at least 1 cell must run at a time");
        }
        return n;
    }

    /**
     * Runs one cell on the calling thread (its kernel's driver). With one job the command's observation
     * sees it (the trace, when asked for); otherwise the cell has its own, for its metrics. Returns only
     * what the output needs, so nothing of the kernel outlives the cell.
     */
    private Done runCell(Cell x, int n) {
        RunObservation obs = n == 1 ? observation() : RunObservation.open(null);
        try {
            obs.collectMetrics(true);
            GuestInitResult r = Lab.guestInit(x.p(), x.c(), x.g(), obs);
            Map<String, Object> run = Reports.json(x.p(), x.c(), x.g(), r);
            obs.takeMetrics().ifPresent(m -> run.put("metrics", m));
            return new Done(Reports.csv(Reports.csvRow(x.p(), x.c(), x.g(), r)), run, r.pinSeconds(),
                    r.initSeconds(), r.totalLockWaitNs() / 1e9, r.wallNanos() / 1e9);
        } finally {
            if (n != 1) {
                obs.close();
            }
        }
    }

    /** The cell's result, or its failure rethrown as the cell threw it. */
    private static Done await(Future<Done> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error er) {
                throw er;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Parses every value of the matrix before the first cell runs, so a bad value late in a list costs no finished cell. */
    private void checkMatrix(org.kemu.cli.sweep.ProfileMems sizes) {
        profiles.forEach(Profiles::load);
        for (String prof : profiles) {
            for (String b : backings) {
                for (String m : sizes.of(prof)) {
                    for (int q : prealloc) {
                        GuestSpec plain = new GuestSpec(Backing.parse(b), Sizes.parse(m), q);
                        pins().forEach(pc -> plain.withMapDma(pc.getValue()));
                    }
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
