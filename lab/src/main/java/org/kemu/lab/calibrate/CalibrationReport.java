package org.kemu.lab.calibrate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Approach;
import org.kemu.lab.profile.ProfileCodec;
import org.kemu.lab.profile.ProfileMeanings;
import org.kemu.vfiotype1.PinConfig;

/** Emulates every calibration cell with the fitted profiles and writes docs/calibration.md. */
public final class CalibrationReport {
    private CalibrationReport() {
    }

    /**
     * Seeds each cell with more than one thread is emulated with (1 to DRAWS). A seed draws where in
     * its jiffy the run starts (KernelConfig.withSeededTickOffset), and the lock waits of threads that
     * pin or prealloc together depend on it as real runs' do on their timing (docs/prediction-gaps.md,
     * section 3); the published figures are means over runs, so such a cell is the mean of its draws.
     * A cell with one thread throughout (no qemu prealloc threads, at most one pinning thread) has no
     * lock waits to line up and is emulated once, with seed 1.
     */
    public static final int DRAWS = 8;

    /**
     * One cell, published against emulated.
     *
     * @param pinS the emulated pin: the mean over the cell's draws
     * @param initS the same for qemu init
     * @param pinSpeedup emulated pin speedup against the emulated base cell of the same guest (1 for a
     *     base cell; NaN until {@link #withSpeedups} has the base rows): base pin over the mean pin
     * @param initSpeedup the same for qemu init
     * @param pinMinS the fastest draw's pin
     * @param pinMaxS the slowest draw's pin
     */
    public record Row(CalibrationCell cell, double pinS, double initS, double pinSpeedup, double initSpeedup,
            double pinMinS, double pinMaxS) {
        /** A cell emulated once: its one pin is its range. */
        public Row(CalibrationCell cell, double pinS, double initS, double pinSpeedup, double initSpeedup) {
            this(cell, pinS, initS, pinSpeedup, initSpeedup, pinS, pinS);
        }

        double pinErr() {
            return rel(pinS, cell.pinS());
        }

        double initErr() {
            return rel(initS, cell.initS());
        }

        double pinSpeedupErr() {
            return rel(pinSpeedup, cell.pinSpeedup());
        }

        double initSpeedupErr() {
            return rel(initSpeedup, cell.initSpeedup());
        }
    }

    /** The three calibration inputs of docs/calibration-inputs.md, each cell emulated. */
    public record Emulated(List<Row> base, List<Row> multithreaded, List<Row> preallocMultithreaded) {
        public List<Row> all() {
            List<Row> a = new ArrayList<>(base);
            a.addAll(multithreaded);
            a.addAll(preallocMultithreaded);
            return a;
        }
    }

    static double rel(double emu, double pub) {
        return pub == 0 || Double.isNaN(emu) ? Double.NaN : (emu - pub) / pub;
    }

    /** The cell emulated with seed 1, or with seeds 1 to {@link #DRAWS} when it runs more than one thread. */
    public static Row emulate(MachineProfile p, CalibrationCell c) {
        PinConfig pin = Approach.padataOrSerial(c.padataThreads(), c.lockCachePages());
        GuestSpec g = new GuestSpec(c.backing(), (long) c.gib() << 30, c.preallocThreads());
        int draws = c.preallocThreads() > 0 || c.padataThreads() > 1 ? DRAWS : 1;
        double pinSum = 0;
        double initSum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int seed = 1; seed <= draws; seed++) {
            GuestInitResult r = Lab.guestInit(p, LabConfig.of(seed, pin), g);
            pinSum += r.pinSeconds();
            initSum += r.initSeconds();
            min = Math.min(min, r.pinSeconds());
            max = Math.max(max, r.pinSeconds());
        }
        double x = c.base() ? 1 : Double.NaN;
        return new Row(c, pinSum / draws, initSum / draws, x, x, min, max);
    }

    public static List<Row> emulateAll(Function<String, MachineProfile> profiles, List<CalibrationCell> cells) {
        List<Row> rows = new ArrayList<>();
        for (CalibrationCell c : cells) {
            rows.add(emulate(profiles.apply(c.machine()), c));
        }
        return rows;
    }

    /** Every input's cells emulated, the multithreaded ones with their speedups over the emulated base cells. */
    public static Emulated emulateInputs(Function<String, MachineProfile> profiles) {
        List<Row> base = emulateAll(profiles, CalibrationInputs.BASE);
        return new Emulated(base, withSpeedups(emulateAll(profiles, CalibrationInputs.MULTITHREADED), base),
                withSpeedups(emulateAll(profiles, CalibrationInputs.PREALLOC_MULTITHREADED), base));
    }

    /**
     * The rows with their emulated speedups: base pin (init) / cell pin (init), the base being the
     * emulated input-1 cell of the same guest, as the publication computes its speedups.
     */
    public static List<Row> withSpeedups(List<Row> rows, List<Row> base) {
        List<Row> out = new ArrayList<>();
        for (Row r : rows) {
            Row b = base.stream().filter(x -> x.cell().sameGuestAs(r.cell())).findFirst().orElseThrow();
            out.add(new Row(r.cell(), r.pinS(), r.initS(), b.pinS() / r.pinS(), b.initS() / r.initS(), r.pinMinS(),
                    r.pinMaxS()));
        }
        return out;
    }

    public static String markdown(Emulated e, Map<String, ProfileFitter.Fit> fits, Map<String, MachineProfile> profiles) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Calibration of the machine profiles\n\n");
        sb.append("Generated by `bin/kemu calibrate` (do not edit by hand): it fits `lab/src/main/resources/profiles/*.json`\n"
                + "from the calibration inputs (`docs/calibration-inputs.md`, encoded in `org.kemu.lab.calibrate.CalibrationInputs`),\n"
                + "then emulates every input cell with the fitted profiles and writes this file. A cell that runs more than\n"
                + "one thread (qemu prealloc threads or pinning threads) is the mean of " + DRAWS + " draws, seeds 1 to "
                + DRAWS + ": a seed draws\n"
                + "where in its jiffy the run starts, and the threads' lock waits depend on it (docs/prediction-gaps.md,\n"
                + "section 3). The other cells are emulated once, with seed 1.\n\n");
        sb.append(METHOD);
        List<String> names = new ArrayList<>(profiles.keySet());
        sb.append("\n## Every profile constant\n\nMeaning, unit, where the value comes from (the profile's `source`"
                + " field: a fit step of the method above over the cells it names, a cited fact, or an assumption),"
                + " and the value in each profile.\n\n| constant | meaning | unit | source | ");
        sb.append(String.join(" | ", names)).append(" |\n|---|---|---|---|").append("---|".repeat(names.size()))
                .append('\n');
        Map<String, Map<String, Map<String, Double>>> values = new LinkedHashMap<>();
        for (String n : names) {
            values.put(n, ProfileCodec.groups(profiles.get(n)));
        }
        Map<String, Map<String, Double>> first = values.get(names.get(0));
        for (var g : first.entrySet()) {
            for (String param : g.getValue().keySet()) {
                String key = g.getKey() + "." + param;
                Set<String> sources = new LinkedHashSet<>();
                for (String n : names) {
                    sources.add(profiles.get(n).sourceOf(key));
                }
                sb.append("| `").append(key).append("` | ").append(cell(ProfileMeanings.of(key).orElse("(not described)")))
                        .append(" | ").append(ProfileCodec.unitOf(param)).append(" | ")
                        .append(cell(String.join("; ", sources))).append(" |");
                for (String n : names) {
                    Double v = values.get(n).getOrDefault(g.getKey(), Map.of()).get(param);
                    sb.append(' ').append(v == null ? "-" : number(v)).append(" |");
                }
                sb.append('\n');
            }
        }
        sb.append("\n## Intermediate quantities of the closed-form fit\n\n| quantity | ");
        List<String> fitNames = new ArrayList<>(fits.keySet());
        sb.append(String.join(" | ", fitNames)).append(" |\n|---|").append("---|".repeat(fitNames.size())).append('\n');
        addFit(sb, "present hugetlb page pinned (ns/page)", fitNames, fits, f -> f.presentPageNs());
        addFit(sb, "present THP page pinned (ns/page)", fitNames, fits, f -> f.thpPresentPageNs());
        addFit(sb, "absent hugetlb page pinned (ns/page)", fitNames, fits, f -> f.noPreallocPageNs());
        addFit(sb, "per-core clearing bandwidth (GB/s)", fitNames, fits, f -> f.perCoreBps() / 1e9);
        addFit(sb, "node bandwidth (GB/s)", fitNames, fits, f -> f.nodeBps() / 1e9);
        addFit(sb, "qemu fixed setup (s)", fitNames, fits, f -> f.initFixedNs() / 1e9);
        addFit(sb, "qemu setup per GiB (ms)", fitNames, fits, f -> f.initPerGiBNs() / 1e6);
        addFit(sb, "TLB-shootdown IPI per target CPU (ns, step 7)", fitNames, fits, f -> f.ipiTargetNs());
        addFit(sb, "GUP+VFIO per-call overhead (ns)", fitNames, fits, f -> f.callNs());
        sb.append("\n## Input 1: the 24 base cells (serial 5.14 kernel)\n\n");
        table(sb, e.base(), false);
        sb.append("\n## Input 2: the 6 multithreaded cells (hugetlb, 128 GiB, no prealloc)\n\n"
                + "\"pin x emu\" is the base pin over the mean pin of the cell's draws; \"pin x emu range\" is the base"
                + " pin over the slowest and the fastest draw.\n\n");
        table(sb, e.multithreaded(), true);
        sb.append("\n## Input 3: the 8 multithreaded cells with qemu prealloc (128 GiB, 16 padata threads)\n\n"
                + "Published pins this small are rounded to 0.1 s; the publication's speedups come from unrounded means,"
                + " so these cells are compared on their speedups.\n\n");
        table(sb, e.preallocMultithreaded(), true);
        sb.append("\n## Medians of |relative error| per input\n\n"
                + "Cells published as 0.0 s are left out of the time medians.\n\n"
                + "| input | cells | pin time | init time | pin speedup | init speedup |\n|---|---|---|---|---|---|\n");
        medians(sb, "1 (base)", e.base(), true);
        medians(sb, "2 (multithreaded, no prealloc)", e.multithreaded(), true);
        medians(sb, "3 (multithreaded, prealloc; speedups compared)", e.preallocMultithreaded(), false);
        medians(sb, "1 + 2 (time-compared inputs)", concat(e.base(), e.multithreaded()), true);
        return sb.toString();
    }

    private static List<Row> concat(List<Row> a, List<Row> b) {
        List<Row> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }

    private static void medians(StringBuilder sb, String label, List<Row> rows, boolean times) {
        // a base cell's speedup is 1 against itself: only multithreaded cells compare speedups
        List<Row> mt = rows.stream().filter(r -> !r.cell().base()).toList();
        boolean speedups = !mt.isEmpty() && mt.size() == rows.size();
        sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", label, rows.size(),
                times ? pctAbs(median(rows, Row::pinErr)) : "(rounded)",
                times ? pctAbs(median(rows, Row::initErr)) : "(rounded)",
                speedups ? pctAbs(median(mt, Row::pinSpeedupErr)) : "-",
                speedups ? pctAbs(median(mt, Row::initSpeedupErr)) : "-"));
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6g", v);
    }

    private static void addFit(StringBuilder sb, String label, List<String> names, Map<String, ProfileFitter.Fit> fits,
            Function<ProfileFitter.Fit, Double> f) {
        sb.append("| ").append(label).append(" |");
        for (String n : names) {
            sb.append(String.format(Locale.ROOT, " %.4g |", f.apply(fits.get(n))));
        }
        sb.append('\n');
    }

    private static void table(StringBuilder sb, List<Row> rows, boolean speedups) {
        sb.append("| machine | backing | qthr | GiB | cache | padata | pin pub | pin emu | pin err | init pub | init emu"
                + " | init err |");
        if (speedups) {
            sb.append(" pin x pub | pin x emu | pin x err | pin x emu range | init x pub | init x emu | init x err |");
        }
        sb.append("\n|---|---|---|---|---|---|---|---|---|---|---|---|").append(speedups ? "---|".repeat(7) : "")
                .append('\n');
        for (Row r : rows) {
            CalibrationCell c = r.cell();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %.1f | %.2f | %s | %.1f | %.2f | %s |",
                    c.machine(), c.backing().cliName(), c.preallocThreads(), c.gib(), c.lockCachePages(),
                    c.padataThreads(), c.pinS(), r.pinS(), pct(r.pinErr()), c.initS(), r.initS(), pct(r.initErr())));
            if (speedups) {
                // the base pin over the slowest and the fastest draw
                double base = r.pinSpeedup() * r.pinS();
                sb.append(String.format(Locale.ROOT, " %.1f | %.2f | %s | %.2f-%.2f | %.1f | %.2f | %s |", c.pinSpeedup(),
                        r.pinSpeedup(), pct(r.pinSpeedupErr()), base / r.pinMaxS(), base / r.pinMinS(), c.initSpeedup(),
                        r.initSpeedup(), pct(r.initSpeedupErr())));
            }
            sb.append('\n');
        }
    }

    static String pct(double d) {
        return Double.isNaN(d) ? "n/a" : String.format(Locale.ROOT, "%+.1f%%", 100 * d);
    }

    private static String pctAbs(double d) {
        return Double.isNaN(d) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * d);
    }

    /** Median of |error| over the rows that have one (NaN: none). */
    static double median(List<Row> rows, java.util.function.ToDoubleFunction<Row> err) {
        List<Double> v = new ArrayList<>();
        for (Row r : rows) {
            double e = err.applyAsDouble(r);
            if (!Double.isNaN(e)) {
                v.add(Math.abs(e));
            }
        }
        v.sort(null);
        return v.isEmpty() ? Double.NaN : v.get(v.size() / 2);
    }

    static final String METHOD = """
            ## Method

            One constant per physical effect and machine, taken from the cells that isolate that effect, by
            least squares over those cells (`org.kemu.lab.calibrate.ProfileFitter`); no constant is tuned to one
            cell. Everything else (lock costs, IOMMU per-PTE costs, padata bookkeeping, fault entry) is an
            assumed value of the right magnitude, marked as such in the profile's `source` fields: the inputs
            cannot identify it, and each is small against the fitted effects.

            The pin of a cell is the largest MAP_DMA qemu makes (docs/calibration-inputs.md, "The experiment"):
            qemu 6.2's default `pc` machine maps guest RAM in sections (`org.kemu.lab.workload.PcMemoryInit`:
            640 KiB below the VGA window, RAM from 1 MiB to 3 GiB, RAM above 4 GiB, plus three ROMs), so every
            per-page slope below is over the pages of the largest section, and init contains every section's
            call.

            1. **Present-page pin cost**: slope of pin time against pages over the three *hugetlb, prealloc 16*
               cells, where qemu faulted everything in before MAP_DMA. 5.14 pins hugetlb per huge page in GUP
               (`follow_hugetlb_page`: one `try_grab_compound_head` under `huge_pte_lock`) and per 4 KiB page
               only in VFIO's loop (`vfio_pin_pages_remote`) and the page array; the LIFO pool gives one
               physically contiguous run, so one `vfio_lock_acct` and one `iommu_map`, per 2 MiB page. The
               per-2 MiB costs and the call overhead (step 4) are assumed/derived and subtracted; the rest
               is the per-4 KiB cost, split 90% VFIO loop, 10% page array (only the sum is identified).
            2. **5.14's per-4 KiB PTE walk**: qemu 6.2's prealloc leaves a THP guest in 4 KiB pages (step 7),
               so the *THP, prealloc 16* pin walks PTEs (`follow_page_pte` under the PTE lock) in physically
               contiguous runs of one per-CPU list refill (`zone_batchsize` = 63 pages). The same slope over
               those cells, minus step 1, minus `gup.pageNs` (the 5.14 per-4 KiB walk and grab), a 4 KiB IOPTE per page and the assumed per-run costs (VFIO
               run, `vfio_lock_acct`, `iommu_map` call) divided by 63, is the walk cost per page.
            3. **Page clearing bandwidth of one core**: slope over the *hugetlb, no prealloc* cells minus step 1
               and the assumed `hugetlb_no_page` cost per 2 MiB page
               is the time to fault and clear one 4 KiB page while pinning (78.6% of cycles in
               `clear_page_erms`: clearing is memory-bound); 4 KiB / that time is the per-core bandwidth.
               The *THP, no prealloc* cells are not fitted: they are predicted from steps 1-3.
            4. **GUP call overhead**: the profile fact that batching 512 pages per call made the serial pin 8%
               faster gives the per-call overhead, split 70% GUP / 30% VFIO batch refill.
            5. **qemu's other setup**: least-squares `a + b * GiB` over init minus every guest-RAM MAP_DMA (the
               pin, and the other RAM sections at the pin's per-page rate) of the six no-prealloc base cells.
            6. **Node memory bandwidth**: the 16-thread pin with the locked_vm cache (input 2) streams sixteen
               clears at once through the node the helpers run on; the bandwidth each gets, times 16, is the
               node's. The *hugetlb, prealloc 16* init cells are then predictions (16 qemu threads clearing).
            7. **TLB shootdown per target CPU**: qemu 6.2 touches THP memory read-then-write at a 4 KiB
               stride; the read maps the huge zero page, the write splits it and copies 4 KiB pages one by
               one, each `ptep_clear_flush` sending a synchronous TLB-flush IPI to every other CPU running
               the mm (the 15 other prealloc threads). What is left of the *THP, prealloc 16* init cells after
               pin, step 5 and the assumed per-page fault, clear (at the bandwidth share of 16 threads),
               refill and split costs, least squares against pages x 15 targets, is the cost of one IPI per
               target (initiator's plus target's share, split half and half: the cells only identify the
               sum). Public measurements put a shootdown IPI at microseconds on servers of this class.
            8. **Wake-ups are not fitted.** Without the cache every 2 MiB run of every pinning thread takes
               the mmap lock for write; the writer sleeps until the readers drain and new readers sleep
               behind it, so each charge costs wake-ups. A woken task pays a cited context switch
               (`runtime.contextSwitchNs`, about 2 us) plus, only when its CPU went idle, the exit latency
               of the cpuidle state the menu governor chose for it (`cpuidle.*`: intel_idle's `skx_cstates`;
               Milan's ACPI _CST through acpi_idle). The declared latency is the package's: while another
               CPU runs (Xeon's package C6 has system scope), a Skylake-SP C6 exit is core C6's alone, 92 us
               (`cpuidle.C6ExitLatencyPc0Ns`, the wult figure of Linux commit 64233338); no such figure
               is known for Milan. Nothing is bisected on the emulator. The CPU time of
               the charge itself (`vfio.lockAcctNs`) is an assumed few hundred ns: the serial prealloc
               cells, which charge every 2 MiB run uncontended, bound it.
            """;
}
