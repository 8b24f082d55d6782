package org.kemu.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The two number formats of kemu's output, so no command picks its own: tables round to 4
 * significant digits for reading, CSV keeps every value round-trippable for computing. Neither ever
 * switches to exponent notation, so a column reads the same from its first row to its last.
 */
public final class Numbers {
    /** Significant digits of a table cell: enough to tell two runs apart, few enough to read. */
    public static final int TABLE_DIGITS = 4;
    private static final MathContext TABLE = new MathContext(TABLE_DIGITS, RoundingMode.HALF_EVEN);

    private Numbers() {
    }

    /** {@code d} to 4 significant digits in plain notation: 26.66, 0.0001656, 172.2, 1.000, 12350; 0 as "0". */
    public static String table(double d) {
        if (!Double.isFinite(d)) {
            return "n/a";
        }
        if (d == 0) {
            return "0";
        }
        BigDecimal b = new BigDecimal(d).round(TABLE);
        if (b.precision() < TABLE_DIGITS) {
            // 1 is 1.000 and 2.4 is 2.400: every cell shows its 4 digits, so a column's digits line up
            b = b.setScale(b.scale() + TABLE_DIGITS - b.precision());
        }
        // 12345.6 to 4 digits is 1.235E+4: print it as 12350, not in exponent notation
        return b.scale() < 0 ? b.setScale(0).toPlainString() : b.toPlainString();
    }

    /** A ratio such as a speedup, as a table cell: 11.61x. */
    public static String times(double ratio) {
        return Double.isFinite(ratio) ? table(ratio) + "x" : "n/a";
    }

    /**
     * {@code d} for CSV: the shortest decimal that parses back to exactly {@code d} (Java's
     * {@link Double#toString} digits), written plainly without exponent or trailing zeros: 3.332671234,
     * 0.0000012, 16, 0. Times of whole virtual nanoseconds therefore appear to the nanosecond.
     */
    public static String csv(double d) {
        if (!Double.isFinite(d)) {
            return "";
        }
        if (d == 0) {
            return "0";
        }
        return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }
}
