package org.kemu.lab.calibrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.lab.calibrate.CalibrationReport.Row;
import org.kemu.lab.profile.ProfileCodec;

/** docs/calibration.md's generator and the calibration inputs it compares against. */
class CalibrationReportTest {
    private static final Map<String, MachineProfile> PROFILES = new LinkedHashMap<>();
    private static final Map<String, ProfileFitter.Fit> FITS = new LinkedHashMap<>();

    static {
        for (String m : List.of(CalibrationInputs.INTEL, CalibrationInputs.AMD)) {
            PROFILES.put(m, Profiles.builtIn(m));
            FITS.put(m, ProfileFitter.fit(m));
        }
    }

    /**
     * Input 3 as entered agrees with itself: each published speedup, applied to the base cell's
     * rounded pin and init, gives the cell's rounded pin and init within the 0.05 s rounding of each
     * figure and the 0.05 rounding of the speedup (docs/calibration-inputs.md: speedups from unrounded means).
     */
    @Test
    void inputThreeSpeedupsAgreeWithTheRoundedTimes() {
        assertThat(CalibrationInputs.PREALLOC_MULTITHREADED).hasSize(8);
        for (CalibrationCell c : CalibrationInputs.PREALLOC_MULTITHREADED) {
            CalibrationCell b = CalibrationInputs.baseOf(c);
            assertThat(b.base()).isTrue();
            assertThat(consistent(b.pinS(), c.pinSpeedup(), c.pinS())).as(c.label() + " pin").isTrue();
            assertThat(consistent(b.initS(), c.initSpeedup(), c.initS())).as(c.label() + " init").isTrue();
        }
    }

    private static boolean consistent(double base, double speedup, double cell) {
        double lo = Math.max(0, base - 0.05) / (speedup + 0.05);
        double hi = (base + 0.05) / (speedup - 0.05);
        return hi >= cell - 0.05 && lo <= cell + 0.05;
    }

    /** Speedups are emulated base / emulated cell, the base being the input-1 cell of the same guest. */
    @Test
    void speedupsAreOverTheEmulatedBaseOfTheSameGuest() {
        CalibrationCell cell = CalibrationInputs.PREALLOC_MULTITHREADED.get(0);
        CalibrationCell base = CalibrationInputs.baseOf(cell);
        List<Row> bases = List.of(new Row(base, 0.8, 4.0, 1, 1));
        Row r = CalibrationReport.withSpeedups(List.of(new Row(cell, 0.1, 3.2, Double.NaN, Double.NaN)), bases).get(0);
        assertThat(r.pinSpeedup()).isCloseTo(8.0, within(1e-12));
        assertThat(r.initSpeedup()).isCloseTo(1.25, within(1e-12));
        assertThat(r.pinSpeedupErr()).isCloseTo((8.0 - 7.9) / 7.9, within(1e-12));
    }

    /** Every constant of every profile is listed with its meaning, unit, source and both values. */
    @Test
    void theReportListsEveryProfileConstantWithMeaningSourceAndValues() {
        String md = CalibrationReport.markdown(synthetic(), FITS, PROFILES);
        MachineProfile intel = PROFILES.get(CalibrationInputs.INTEL);
        Map<String, Map<String, Double>> groups = ProfileCodec.groups(intel);
        int constants = 0;
        for (var g : groups.entrySet()) {
            for (var e : g.getValue().entrySet()) {
                String key = g.getKey() + "." + e.getKey();
                String line = md.lines().filter(l -> l.startsWith("| `" + key + "` |")).findFirst().orElseThrow(
                        () -> new AssertionError(key + " not listed"));
                assertThat(line).doesNotContain("(not described)");
                assertThat(line).contains(intel.sourceOf(key).replace("|", "\\|"));
                assertThat(line).contains(" " + ProfileCodec.unitOf(e.getKey()) + " ");
                constants++;
            }
        }
        assertThat(constants).isGreaterThan(50);
        assertThat(md).contains("## Input 3: the 8 multithreaded cells with qemu prealloc");
    }

    /** Medians per input: input 3 compares speedups only; base cells have no speedup median. */
    @Test
    void mediansArePerInput() {
        String md = CalibrationReport.markdown(synthetic(), FITS, PROFILES);
        // synthetic: every emulated time 10% high, every multithreaded speedup 20% low
        assertThat(md).contains("| 1 (base) | 24 | 10.0% | 10.0% | - | - |");
        assertThat(md).contains("| 2 (multithreaded, no prealloc) | 6 | 10.0% | 10.0% | 20.0% | 20.0% |");
        assertThat(md).contains("| 3 (multithreaded, prealloc; speedups compared) | 8 | (rounded) | (rounded) | 20.0% | 20.0% |");
    }

    private static CalibrationReport.Emulated synthetic() {
        return new CalibrationReport.Emulated(rows(CalibrationInputs.BASE), rows(CalibrationInputs.MULTITHREADED),
                rows(CalibrationInputs.PREALLOC_MULTITHREADED));
    }

    private static List<Row> rows(List<CalibrationCell> cells) {
        List<Row> r = new ArrayList<>();
        for (CalibrationCell c : cells) {
            r.add(new Row(c, c.pinS() * 1.1, c.initS() * 1.1, c.pinSpeedup() * 0.8, c.initSpeedup() * 0.8));
        }
        return r;
    }
}
