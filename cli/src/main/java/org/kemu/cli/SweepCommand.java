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
import org.kemu.lab.Version;
import org.kemu.lab.workload.UserSpaceMapDma;
import org.kemu.vfiotype1.PinConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sweep", description = "Guest inits over a matrix of options: CSV plus a JSON sidecar.",
        subcommands = org.kemu.cli.sweep.SweepMergeCommand.class)
final class SweepCommand extends KemuCommand {
    @Option(names = "--profiles", split = ",", defaultValue = "intel-8167m")
    List<String> profiles;
    @Option(names = "--backings", split = ",", defaultValue = "hugetlb")
    List<String> backings;
    @Option(names = "--mems", split = ",", defaultValue = "16G")
    List<String> mems;
    @Option(names = "--prealloc-threads", split = ",", defaultValue = "0")
    List<Integer> prealloc;
    @Option(names = "--padata-threads", split = ",", defaultValue = "0,16")
    List<Integer> threads;
    @Option(names = "--lock-cache-pages", split = ",", defaultValue = "65536")
    List<Long> caches;
    @Option(names = "--pin-modes", split = ",", description = "default: serial for 0 threads, padata otherwise")
    List<String> modes;
    @Option(names = "--seed", defaultValue = "1")
    long seed;
    @Option(names = "--out", defaultValue = "sweep.csv", description = "CSV file; the sidecar is <out>.json")
    Path out;
    @Option(names = "--resume", description = "keep the cells --out already has (an interrupted sweep's) and run only the rest")
    boolean resume;

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
                            err().printf("%s %s %s qthr=%d %s: pin %.2f s init %.2f s%n", prof, b,
                                    m, q, GuestInitCommand.describe(c, g), r.pinSeconds(), r.initSeconds());
                        }
                    }
                }
            }
        }
        progress.close();
        csv.close();
        writeSidecar(shard.describe(cells), runs);
        plot.write(out);
        out().println("wrote " + out + " and " + out + ".json (" + runs.size() + " runs)");
        return 0;
    }

    private void writeSidecar(Map<String, Object> shard, List<Map<String, Object>> runs) throws IOException {
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("kemu_version", Version.get());
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
