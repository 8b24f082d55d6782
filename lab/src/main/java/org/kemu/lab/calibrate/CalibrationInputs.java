package org.kemu.lab.calibrate;

import static org.kemu.lab.Backing.HUGETLB;
import static org.kemu.lab.Backing.THP;

import java.util.List;

/**
 * The calibration inputs of docs/calibration-inputs.md as data: input 1
 * (the 24 base cells of the unmodified serial kernel), input 2 (the six multithreaded cells without
 * prealloc) and input 3 (the eight multithreaded cells with qemu prealloc). Nothing else is fitted.
 */
public final class CalibrationInputs {
    public static final String INTEL = "intel-8167m";
    public static final String AMD = "amd-7j13";

    private CalibrationInputs() {
    }

    private static CalibrationCell b(String m, org.kemu.lab.Backing bk, int q, int g, double pin, double pinSd,
            double init, double initSd) {
        return new CalibrationCell(m, bk, q, g, 0, 0, pin, pinSd, init, initSd, 1, 1);
    }

    private static CalibrationCell mt(String m, int cache, int thr, double pin, double pinSd, double pinX, double init,
            double initSd, double initX) {
        return new CalibrationCell(m, HUGETLB, 0, 128, cache, thr, pin, pinSd, init, initSd, pinX, initX);
    }

    private static CalibrationCell pre(String m, org.kemu.lab.Backing bk, int cache, double pin, double pinSd,
            double pinX, double init, double initSd, double initX) {
        return new CalibrationCell(m, bk, 16, 128, cache, 16, pin, pinSd, init, initSd, pinX, initX);
    }

    /** Input 1: the unmodified serial kernel. */
    public static final List<CalibrationCell> BASE = List.of(
            b(INTEL, HUGETLB, 0, 16, 2.9, 0, 3.8, 0),
            b(INTEL, HUGETLB, 0, 128, 26.6, 0.1, 28.0, 0.1),
            b(INTEL, HUGETLB, 0, 360, 75.1, 0.5, 77.5, 0.5),
            b(INTEL, HUGETLB, 16, 16, 0.1, 0, 0.7, 0),
            b(INTEL, HUGETLB, 16, 128, 0.6, 0, 3.6, 0),
            b(INTEL, HUGETLB, 16, 360, 1.8, 0, 9.4, 0),
            b(INTEL, THP, 0, 16, 3.3, 0, 4.2, 0),
            b(INTEL, THP, 0, 128, 29.5, 0.2, 30.5, 0.2),
            b(INTEL, THP, 0, 360, 83.8, 0.6, 85.1, 0.6),
            b(INTEL, THP, 16, 16, 0.6, 0, 6.1, 0),
            b(INTEL, THP, 16, 128, 5.1, 0, 44.5, 0),
            b(INTEL, THP, 16, 360, 14.4, 0, 125.4, 0.3),
            b(AMD, HUGETLB, 0, 16, 1.1, 0, 1.5, 0),
            b(AMD, HUGETLB, 0, 128, 9.6, 0.1, 10.2, 0.1),
            b(AMD, HUGETLB, 0, 980, 74.1, 0.7, 75.7, 0.7),
            b(AMD, HUGETLB, 16, 16, 0.0, 0, 0.6, 0),
            b(AMD, HUGETLB, 16, 128, 0.3, 0, 2.7, 0),
            b(AMD, HUGETLB, 16, 980, 2.0, 0, 18.2, 0.1),
            b(AMD, THP, 0, 16, 1.2, 0, 1.7, 0),
            b(AMD, THP, 0, 128, 10.9, 0.1, 11.4, 0.1),
            b(AMD, THP, 0, 980, 85.3, 0.6, 86.1, 0.6),
            b(AMD, THP, 16, 16, 0.5, 0.3, 6.2, 0.4),
            b(AMD, THP, 16, 128, 3.4, 0.8, 45.5, 1.0),
            b(AMD, THP, 16, 980, 19.6, 0.9, 337.9, 0.7));

    /** Input 2: hugetlb, 128 GiB, no prealloc, multithreaded pins. */
    public static final List<CalibrationCell> MULTITHREADED = List.of(
            mt(INTEL, 65536, 16, 2.2, 0, 12.0, 3.2, 0, 8.7),
            mt(INTEL, 0, 16, 13.8, 0.3, 1.9, 14.9, 0.3, 1.9),
            mt(INTEL, 65536, 1, 26.5, 0, 1.0, 27.9, 0, 1.0),
            mt(AMD, 65536, 16, 2.2, 0, 4.3, 2.8, 0, 3.6),
            mt(AMD, 0, 16, 7.8, 0.1, 1.2, 8.4, 0.1, 1.2),
            mt(AMD, 65536, 1, 9.6, 0, 1.0, 10.3, 0.1, 1.0));

    /**
     * Input 3: 128 GiB, qemu prealloc with 16 threads, 16 padata threads. The pins are rounded to
     * 0.1 s in the publication, so these cells are compared on their speedups, not their times.
     */
    public static final List<CalibrationCell> PREALLOC_MULTITHREADED = List.of(
            pre(INTEL, HUGETLB, 65536, 0.1, 0, 7.9, 3.0, 0, 1.2),
            pre(INTEL, HUGETLB, 0, 0.2, 0.1, 3.1, 3.1, 0.1, 1.1),
            pre(INTEL, THP, 65536, 0.5, 0, 9.6, 40.3, 0.4, 1.1),
            pre(INTEL, THP, 0, 3.3, 0, 1.5, 43.5, 0.4, 1.0),
            pre(AMD, HUGETLB, 65536, 0.0, 0, 8.5, 2.4, 0, 1.1),
            pre(AMD, HUGETLB, 0, 0.1, 0, 2.9, 2.5, 0, 1.1),
            pre(AMD, THP, 65536, 0.4, 0.1, 8.5, 42.1, 0.2, 1.1),
            pre(AMD, THP, 0, 3.6, 0.2, 0.9, 45.7, 0.2, 1.0));

    /** The base cell (input 1) that {@code c}'s published speedups are relative to. */
    public static CalibrationCell baseOf(CalibrationCell c) {
        return BASE.stream().filter(b -> b.sameGuestAs(c)).findFirst().orElseThrow();
    }

    public static List<CalibrationCell> of(String machine, List<CalibrationCell> cells) {
        return cells.stream().filter(c -> c.machine().equals(machine)).toList();
    }
}
