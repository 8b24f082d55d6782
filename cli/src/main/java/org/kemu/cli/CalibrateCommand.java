package org.kemu.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.calibrate.CalibrationInputs;
import org.kemu.lab.calibrate.CalibrationReport;
import org.kemu.lab.calibrate.Calibrator;
import org.kemu.lab.calibrate.ProfileFitter;
import org.kemu.lab.profile.ProfileCodec;
import org.kemu.cli.ResultTable.Column;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "calibrate", description = "Fit the machine profiles from the calibration inputs and write"
        + " docs/calibration.md (published against emulated).")
final class CalibrateCommand extends KemuCommand {
    @Option(names = "--profiles-dir", defaultValue = "lab/src/main/resources/profiles",
            description = "where the fitted <machine>.json profiles go (default: ${DEFAULT-VALUE})")
    Path profilesDir;

    @Option(names = "--docs", defaultValue = "docs/calibration.md",
            description = "the published-against-emulated report to write (default: ${DEFAULT-VALUE})")
    Path docs;

    @Option(names = "--skip-fit", description = "only re-emulate the cells with the profiles in --profiles-dir, do not fit them again"
                    + " (default: ${DEFAULT-VALUE})")
    boolean skipFit;

    @Mixin
    FormatOptions output = new FormatOptions();

    /** {@code (emulated - published) / published} in percent, or none without a published value. */
    private static Double percentOff(double emulated, double published) {
        return published == 0 ? null : 100 * (emulated - published) / published;
    }

    /** The columns of calibrate's results: each calibration cell, published against emulated. */
    static ResultTable table() {
        return new ResultTable("calibrate", Column.of("cell", "cell"),
                Column.of("published_pin_seconds", "published pin s (real)"),
                Column.of("pin_seconds", "emulated pin s (virtual)"),
                Column.of("pin_min_seconds", "fastest draw's pin s (virtual)"),
                Column.of("pin_max_seconds", "slowest draw's pin s (virtual)"), Column.of("pin_error_percent", "pin error %"),
                Column.of("published_init_seconds", "published init s (real)"),
                Column.of("init_seconds", "emulated init s (virtual)"), Column.of("init_error_percent", "init error %"),
                Column.of("published_pin_speedup", "published pin speedup"),
                Column.of("pin_speedup", "emulated pin speedup"),
                Column.of("pin_speedup_error_percent", "pin speedup error %"),
                Column.of("published_init_speedup", "published init speedup"),
                Column.of("init_speedup", "emulated init speedup"),
                Column.of("init_speedup_error_percent", "init speedup error %"));
    }

    @Override
    public Integer call() throws IOException {
        var err = err();
        Map<String, MachineProfile> profiles = new LinkedHashMap<>();
        Map<String, ProfileFitter.Fit> fits = new LinkedHashMap<>();
        Files.createDirectories(profilesDir);
        for (String m : List.of(CalibrationInputs.INTEL, CalibrationInputs.AMD)) {
            fits.put(m, ProfileFitter.fit(m));
            Path file = profilesDir.resolve(m + ".json");
            MachineProfile p;
            if (skipFit) {
                p = ProfileCodec.read(Files.readString(file));
            } else {
                err.println("fitting " + m + " ...");
                p = Calibrator.calibrate(m);
                Files.writeString(file, ProfileCodec.write(p));
            }
            profiles.put(m, p);
        }
        int cells = CalibrationInputs.BASE.size() + CalibrationInputs.MULTITHREADED.size()
                + CalibrationInputs.PREALLOC_MULTITHREADED.size();
        err.println("emulating the " + cells + " calibration cells ...");
        CalibrationReport.Emulated emulated = CalibrationReport.emulateInputs(profiles::get);
        if (docs.getParent() != null) {
            Files.createDirectories(docs.getParent());
        }
        Files.writeString(docs, CalibrationReport.markdown(emulated, fits, profiles));
        ResultTable t = table();
        for (var r : emulated.all()) {
            var c = r.cell();
            boolean speedup = !c.base();
            t.row(c.label(), c.pinS(), r.pinS(), r.pinMinS(), r.pinMaxS(), percentOff(r.pinS(), c.pinS()), c.initS(),
                    r.initS(),
                    percentOff(r.initS(), c.initS()), speedup ? c.pinSpeedup() : null, speedup ? r.pinSpeedup() : null,
                    speedup ? percentOff(r.pinSpeedup(), c.pinSpeedup()) : null, speedup ? c.initSpeedup() : null,
                    speedup ? r.initSpeedup() : null, speedup ? percentOff(r.initSpeedup(), c.initSpeedup()) : null);
        }
        t.context("profiles_dir", profilesDir.toString()).context("docs", docs.toString());
        t.note("published: measured on the real machine (docs/calibration-inputs.md); emulated: virtual seconds of"
                + " the fitted profile's machine, the mean over seeds 1 to " + CalibrationReport.DRAWS + " for a cell"
                + " that runs more than one thread (each seed a draw of where in its jiffy the run starts; fastest and"
                + " slowest draw beside it), seed 1 otherwise; error: (emulated - published) / published; speedups (multithreaded"
                + " cells) against the base cell of the same guest, emulated against emulated; input 3's pins are"
                + " published rounded to 0.1 s, compare its speedups.");
        t.note("wrote " + profilesDir + "/*.json and " + docs);
        t.print(out(), output.format);
        return 0;
    }
}
