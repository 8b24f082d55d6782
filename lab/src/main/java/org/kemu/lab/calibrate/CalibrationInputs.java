package org.kemu.lab.calibrate;

import static org.kemu.lab.Backing.HUGETLB;
import static org.kemu.lab.Backing.THP;

import java.util.List;

/**
 * The calibration inputs of docs/calibration-inputs.md as data: input 1 (the 24 base cells of the
 * unmodified serial kernel) and input 2 (the six multithreaded cells). Nothing else is fitted.
 */
public final class CalibrationInputs {
    public static final String INTEL = "intel-8167m";
    public static final String AMD = "amd-7j13";

    private CalibrationInputs() {
    }

    private static CalibrationCell b(String m, org.kemu.lab.Backing bk, int q, int g, double pin, double pinSd,
            double init, double initSd) {
        return new CalibrationCell(m, bk, q, g, 0, 0, pin, pinSd, init, initSd);
    }

    private static CalibrationCell mt(String m, int cache, int thr, double pin, double pinSd, double init,
            double initSd) {
        return new CalibrationCell(m, HUGETLB, 0, 128, cache, thr, pin, pinSd, init, initSd);
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
            mt(INTEL, 65536, 16, 2.2, 0, 3.2, 0),
            mt(INTEL, 0, 16, 13.8, 0.3, 14.9, 0.3),
            mt(INTEL, 65536, 1, 26.5, 0, 27.9, 0),
            mt(AMD, 65536, 16, 2.2, 0, 2.8, 0),
            mt(AMD, 0, 16, 7.8, 0.1, 8.4, 0.1),
            mt(AMD, 65536, 1, 9.6, 0, 10.3, 0.1));

    public static List<CalibrationCell> of(String machine, List<CalibrationCell> cells) {
        return cells.stream().filter(c -> c.machine().equals(machine)).toList();
    }
}
