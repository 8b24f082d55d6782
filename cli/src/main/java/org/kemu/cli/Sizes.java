package org.kemu.cli;

import java.util.Locale;

/** Parses sizes such as {@code 128G}, {@code 512M}, {@code 1T} (binary units). */
final class Sizes {
    private Sizes() {
    }

    static long parse(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long mul = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'K' -> mul = 1L << 10;
            case 'M' -> mul = 1L << 20;
            case 'G' -> mul = 1L << 30;
            case 'T' -> mul = 1L << 40;
            default -> {
            }
        }
        String num = mul == 1 ? t : t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(num);
            if (v <= 0) {
                throw new IllegalArgumentException("size must be positive: '" + s + "'");
            }
            if (v * mul >= 0x1p63) {
                // Math.round would clamp to Long.MAX_VALUE and the guest check would blame the 2 MiB multiple
                throw new IllegalArgumentException("size '" + s + "' overflows (at most 8 EiB)");
            }
            return Math.round(v * mul);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + s + "' (e.g. 128G, 512M)");
        }
    }

    static String format(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        return (bytes >> 20) + "M";
    }
}
