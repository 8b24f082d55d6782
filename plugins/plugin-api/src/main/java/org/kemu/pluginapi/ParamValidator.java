package org.kemu.pluginapi;

/** Checks a parsed parameter value; returns {@code null} when it is acceptable, else why it is not. */
@Stable
@FunctionalInterface
public interface ParamValidator {
    String check(Object value);

    /** Accepts everything. */
    ParamValidator NONE = v -> null;

    /** A numeric value within {@code [min, max]}. */
    static ParamValidator range(double min, double max) {
        return v -> {
            double d = ((Number) v).doubleValue();
            return d >= min && d <= max ? null : "must be in [" + fmt(min) + ", " + fmt(max) + "], got " + v;
        };
    }

    /** A numeric value of at least {@code min}. */
    static ParamValidator atLeast(double min) {
        return v -> ((Number) v).doubleValue() >= min ? null : "must be at least " + fmt(min) + ", got " + v;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e18 ? Long.toString((long) d) : Double.toString(d);
    }
}
