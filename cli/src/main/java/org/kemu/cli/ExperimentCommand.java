package org.kemu.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.cli.ResultTable.Column;
import org.kemu.lab.experiment.Experiment;
import org.kemu.lab.experiment.ExperimentTable;
import org.kemu.lab.experiment.Experiments;
import org.kemu.lab.experiment.HugetlbBootExperiments;
import org.kemu.lab.experiment.PluginThreadSweeps;
import org.kemu.lab.pluginhost.PluginRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "experiment", description = "Run one of the series' published experiments (docs/calibration-inputs.md,"
        + " \"Experiments with a public setup\") and print its table in the published shape;"
        + " --list describes them (docs/experiments.md).")
final class ExperimentCommand extends KemuCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "the experiment (see --list) (default: none, then --list is needed)")
    String name;
    @Option(names = "--list", description = "describe every experiment: what it reproduces, machine, rows, columns, time")
    boolean list;
    @Option(names = "--quick", description = "a shorter run: sizes scaled down (patch13/14 and the hugetlb-boot"
            + " pools: 1/32), fewer thread"
            + " counts (ktask-2018: 1 and 16) or one machine (deferred-init-2020); patch8-sweep: one machine,"
            + " hugetlb, 16 GiB, no prealloc unless subset options say otherwise; the plugin thread sweeps: 1-4 GiB")
    boolean quick;
    @Option(names = "--seed", defaultValue = "1", description = "the seed of every run (what it draws: guest-init --help) (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--seeds", split = ",", paramLabel = "S", description = "patch8-sweep: run every cell once per seed"
            + " (each a draw of where in its jiffy the run starts) and print each row's mean over them, its speedups"
            + " the base's mean over the row's (default: --seed alone)")
    List<Long> seeds;
    @Option(names = "--out", paramLabel = "FILE", description = "also write the table as CSV to FILE and as JSON to FILE.json"
            + " (default: none; patch8-sweep keeps its cells beside patch8-sweep.csv)")
    Path out;
    @Option(names = "--machine", split = ",", paramLabel = "M", description = "patch8-sweep: intel-8167m and/or amd-7j13;"
            + " deferred-init-2020: machines of its list (default: all)")
    List<String> machines;
    @Option(names = "--backing", split = ",", paramLabel = "B", description = "patch8-sweep: hugetlb and/or thp (default: both)")
    List<String> backings;
    @Option(names = "--prealloc", split = ",", paramLabel = "N", description = "patch8-sweep: 0 and/or 16 (default: both)")
    List<Integer> prealloc;
    @Option(names = "--mem", split = ",", paramLabel = "SIZE", description = "patch8-sweep: guest sizes (default: the"
            + " machine's three: intel 16G,128G,360G, amd 16G,128G,980G)")
    List<String> mems;
    @Option(names = "--threads", split = ",", paramLabel = "N", description = "patch8-sweep: padata threads (default:"
            + " 1,8,16,24,32); ktask-2018: threads (default: 1,2,3,4,5,6,7,8,12,16)")
    List<Integer> threads;
    @Option(names = "--cache", split = ",", paramLabel = "PAGES", description = "patch8-sweep: locked_vm cache pages"
            + " (default: 0,32768,65536,131072)")
    List<Long> caches;
    @picocli.CommandLine.Mixin
    FormatOptions output = new FormatOptions();

    /** The thread counts, caches and sizes of patch 8's sweep (docs/calibration-inputs.md). */
    static final List<Integer> PATCH8_THREADS = List.of(1, 8, 16, 24, 32);
    static final List<Long> PATCH8_CACHES = List.of(0L, 32768L, 65536L, 131072L);
    static final Map<String, List<String>> PATCH8_MEMS = Map.of("intel-8167m", List.of("16G", "128G", "360G"),
            "amd-7j13", List.of("16G", "128G", "980G"));
    static final List<Integer> KTASK_THREADS = List.of(1, 2, 3, 4, 5, 6, 7, 8, 12, 16);
    /** --quick's scale of patch 13 and 14's sizes and CPU amounts and of the hugetlb-boot pools. */
    static final double QUICK_SCALE = 1.0 / 32;

    @Override
    public Integer call() throws IOException {
        if (list) {
            if (name != null) {
                throw new IllegalArgumentException("--list takes no experiment name");
            }
            printList();
            return 0;
        }
        if (name == null) {
            throw new IllegalArgumentException("missing experiment name (kemu experiment --list)");
        }
        Experiment e = Experiments.byName(name);
        checkOptions(e);
        ExperimentTable t = switch (e.name()) {
            case "patch8-sweep" -> patch8();
            case "patch13-nice" -> Experiments.patch13(seed, quick ? QUICK_SCALE : 1);
            case "patch14-nice-one-by-one" -> Experiments.patch14(seed, quick ? QUICK_SCALE : 1);
            case "ktask-2018" -> Experiments.ktask2018(seed, threads != null ? threads
                    : quick ? List.of(1, 16) : KTASK_THREADS);
            case "deferred-init-2020" -> Experiments.deferredInit2020(PluginRunner.discover(), seed,
                    machines != null ? machines : quick ? List.of("amd-7551-vm4") : Experiments.DEFERRED_MACHINES);
            case "hugetlb-boot-2024" -> HugetlbBootExperiments.patched2024(PluginRunner.discover(), seed,
                    quick ? QUICK_SCALE : 1);
            case "hugetlb-boot-2024-multiplier" -> HugetlbBootExperiments.multiplier2024(PluginRunner.discover(), seed,
                    quick ? QUICK_SCALE : 1);
            case "hugetlb-boot-2025" -> HugetlbBootExperiments.threads2025(PluginRunner.discover(), seed,
                    quick ? QUICK_SCALE : 1);
            case "memory-hotplug-threads", "munmap-threads", "ib-umem-release-threads" -> PluginThreadSweeps.run(
                    PluginRunner.discover(), PluginThreadSweeps.byExperiment(e.name()), seed, quick);
            default -> throw new IllegalStateException(e.name());
        };
        ResultTable r = toResultTable(e, t);
        if (out != null) {
            Files.writeString(out, r.csv());
            Files.writeString(Path.of(out + ".json"), Reports.toJson(r.json()));
        }
        r.print(out(), output.format);
        if (out != null) {
            err().println("wrote " + out + " and " + out + ".json");
        }
        return 0;
    }

    private void printList() {
        var o = out();
        for (Experiment e : Experiments.ALL) {
            o.println(e.name() + ": " + e.reproduces());
            for (String[] kv : new String[][] {{"machine", e.machine()}, {"rows", e.rows()},
                {"columns", String.join(", ", e.columns())}, {"time", e.duration()}}) {
                for (String line : PluginUsage.wrap(kv[0] + ": " + kv[1], 96)) {
                    o.println("    " + line);
                }
            }
        }
        o.flush();
    }

    /** Options an experiment does not take are refused, so a typo never silently runs the full matrix. */
    private void checkOptions(Experiment e) {
        boolean p8 = e.name().equals("patch8-sweep");
        if (!p8 && (backings != null || prealloc != null || mems != null || caches != null || seeds != null)) {
            throw new IllegalArgumentException("--backing/--prealloc/--mem/--cache/--seeds apply to patch8-sweep only");
        }
        if (machines != null && !p8 && !e.name().equals("deferred-init-2020")) {
            throw new IllegalArgumentException("--machine applies to patch8-sweep and deferred-init-2020 only");
        }
        if (threads != null && !p8 && !e.name().equals("ktask-2018")) {
            throw new IllegalArgumentException("--threads applies to patch8-sweep and ktask-2018 only");
        }
        if (machines != null && e.name().equals("deferred-init-2020")) {
            for (String m : machines) {
                if (!Experiments.DEFERRED_MACHINES.contains(m)) {
                    throw new IllegalArgumentException("unknown deferred-init-2020 machine '" + m + "' (known: "
                            + String.join(", ", Experiments.DEFERRED_MACHINES) + ")");
                }
            }
        }
        if (p8 && machines != null) {
            for (String m : machines) {
                if (!PATCH8_MEMS.containsKey(m)) {
                    throw new IllegalArgumentException("unknown patch8-sweep machine '" + m
                            + "' (known: intel-8167m, amd-7j13)");
                }
            }
        }
    }

    /**
     * Patch 8's sweep through {@code kemu sweep} itself (one sweep per machine, since the sizes differ):
     * its cells, progress, resume and files, then the published table from its JSON sidecar, each cell's
     * speedups against the serial base cell of the same machine, backing, prealloc and size.
     */
    private ExperimentTable patch8() throws IOException {
        List<String> ms = machines != null ? machines : quick ? List.of("intel-8167m") : List.of("intel-8167m", "amd-7j13");
        List<String> bs = backings != null ? backings : quick ? List.of("hugetlb") : List.of("hugetlb", "thp");
        List<Integer> qs = prealloc != null ? prealloc : quick ? List.of(0) : List.of(0, 16);
        List<Integer> ts = threads != null ? threads : PATCH8_THREADS;
        List<Long> cs = caches != null ? caches : PATCH8_CACHES;
        List<Long> ss = seeds != null ? seeds : List.of(seed);
        for (int q : qs) {
            if (q < 0) {
                throw new IllegalArgumentException("--prealloc must not be negative: " + q);
            }
        }
        for (int t : ts) {
            if (t < 1) {
                throw new IllegalArgumentException("--threads must be at least 1 (the base kernel is always run): " + t);
            }
        }
        Path base = out != null ? out : Path.of("patch8-sweep.csv");
        ExperimentTable t = new ExperimentTable(List.of(ExperimentTable.col("machine", "machine"),
                ExperimentTable.col("backing", "backing"), ExperimentTable.col("prealloc_threads", "prealloc"),
                ExperimentTable.col("guest_gib", "guest GiB"), ExperimentTable.col("lock_cache_pages", "locked_vm cache pages"),
                ExperimentTable.col("padata_threads", "padata threads"), ExperimentTable.col("pin_seconds", "pin s (virtual)"),
                ExperimentTable.ratio("pin_speedup", "pin speedup"), ExperimentTable.col("init_seconds", "init s (virtual)"),
                ExperimentTable.ratio("init_speedup", "init speedup")));
        for (String m : ms) {
            List<String> sizes = mems != null ? mems : quick ? List.of("16G") : PATCH8_MEMS.get(m);
            Path csv = Path.of(base + "." + m + ".sweep.csv");
            List<String> args = new ArrayList<>(List.of("sweep", "--profiles", m, "--backings", String.join(",", bs),
                    "--mems", String.join(",", sizes), "--prealloc-threads", join(qs),
                    "--padata-threads", "0," + join(ts), "--lock-cache-pages", join(cs), "--seeds", join(ss),
                    "--out", csv.toString(), "--resume"));
            StringWriter sink = new StringWriter();
            int rc = KemuCli.execute(new PrintWriter(sink), err(), args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalArgumentException("patch8-sweep: kemu " + String.join(" ", args) + " failed (exit " + rc + ")");
            }
            addPatch8Rows(t, Reports.JSON.readTree(Path.of(csv + ".json").toFile()));
        }
        return t.note("speedup: the serial 5.14 kernel's time (padata threads 0, the same machine, backing, prealloc"
                + " and size) over the row's." + (ss.size() > 1 ? " Every time is the mean over seeds " + join(ss) + "."
                : "") + " The cells are kemu sweep's, kept in <out>.<machine>.sweep.csv(.json).");
    }

    private static void addPatch8Rows(ExperimentTable t, JsonNode doc) {
        Map<String, JsonNode> bases = new LinkedHashMap<>();
        List<JsonNode> cells = new ArrayList<>();
        for (JsonNode run : meanOverSeeds(doc.get("runs"))) {
            String key = run.get("backing").asText() + "/" + run.get("prealloc_threads").asInt() + "/"
                    + run.get("mem_bytes").asLong();
            if (run.get("pin_mode").asText().equals("serial")) {
                bases.put(key, run);
            } else {
                cells.add(run);
            }
        }
        // the published order: backing, prealloc, size, cache, threads (the sweep's loops give it)
        cells.sort(java.util.Comparator.comparing((JsonNode r) -> r.get("backing").asText())
                .thenComparingInt(r -> r.get("prealloc_threads").asInt()).thenComparingLong(r -> r.get("mem_bytes").asLong())
                .thenComparingLong(r -> r.get("lock_cache_pages").asLong()).thenComparingInt(r -> r.get("threads").asInt()));
        for (JsonNode r : cells) {
            JsonNode b = bases.get(r.get("backing").asText() + "/" + r.get("prealloc_threads").asInt() + "/"
                    + r.get("mem_bytes").asLong());
            double pin = r.get("pin_seconds").asDouble();
            double init = r.get("init_seconds").asDouble();
            t.row(r.get("profile").asText(), r.get("backing").asText(), r.get("prealloc_threads").asInt(),
                    r.get("mem_bytes").asLong() >> 30, r.get("lock_cache_pages").asLong(), r.get("threads").asInt(), pin,
                    b == null ? null : b.get("pin_seconds").asDouble() / pin, init,
                    b == null ? null : b.get("init_seconds").asDouble() / init);
        }
    }

    /**
     * One entry per cell of the sweep: its run.configuration without the seed, with pin_seconds and
     * init_seconds the mean over the cell's seeds (docs/results.md), in the sweep's order.
     */
    private static List<JsonNode> meanOverSeeds(JsonNode runs) {
        Map<JsonNode, List<JsonNode>> byCell = new LinkedHashMap<>();
        for (JsonNode cell : runs) {
            com.fasterxml.jackson.databind.node.ObjectNode conf =
                    (com.fasterxml.jackson.databind.node.ObjectNode) cell.get("run").get("configuration").deepCopy();
            conf.remove("seed");
            byCell.computeIfAbsent(conf, k -> new ArrayList<>()).add(cell);
        }
        List<JsonNode> out = new ArrayList<>();
        byCell.forEach((conf, draws) -> out.add(((com.fasterxml.jackson.databind.node.ObjectNode) conf.deepCopy())
                .put("pin_seconds", draws.stream().mapToDouble(c -> c.get("pin_seconds").asDouble()).average().orElseThrow())
                .put("init_seconds", draws.stream().mapToDouble(c -> c.get("init_seconds").asDouble()).average()
                        .orElseThrow())));
        return out;
    }

    private static String join(List<? extends Number> l) {
        return String.join(",", l.stream().map(String::valueOf).toList());
    }

    private ResultTable toResultTable(Experiment e, ExperimentTable t) {
        Column[] cols = t.columns().stream().map(c -> c.ratio() ? Column.ratio(c.key(), c.header())
                : Column.of(c.key(), c.header())).toArray(Column[]::new);
        ResultTable r = new ResultTable("experiment", cols).title("kemu experiment " + e.name() + ": " + e.reproduces()
                + " (" + e.machine() + ")").context("experiment", e.name()).context("machine", e.machine()).context("seed", seed);
        t.rows().forEach(row -> r.row(row.toArray()));
        t.notes().forEach(r::note);
        return r.note("virtual: emulated time, deterministic for a seed.");
    }
}
