package org.kemu.integrationtests.adversarial;

/**
 * How big the adversarial suites run. CI runs the small default; the opt-in large profile
 * ({@code -Padversarial-large}, or {@code -Dkemu.adversarial.ops=N} by hand) spreads N random
 * operations over the whole matrix of pin modes and backings (docs/testing.md).
 */
final class AdversarialScale {
    /** Random operations over the whole pin-mode x backing matrix when nothing is asked for. */
    static final long DEFAULT_TOTAL_OPS = 12_000;

    private AdversarialScale() {
    }

    /** Total random operations asked for ({@code kemu.adversarial.ops}), or the CI default. */
    static long totalOps() {
        String v = System.getProperty("kemu.adversarial.ops", "").trim();
        if (v.isEmpty()) {
            return DEFAULT_TOTAL_OPS;
        }
        long n = Long.parseLong(v.replace("_", ""));
        if (n < 1) {
            throw new IllegalArgumentException("kemu.adversarial.ops must be at least 1, got " + v);
        }
        return n;
    }

    /** This cell's share of {@link #totalOps()} when the matrix has {@code cells} cells (at least 1). */
    static long opsPerCell(int cells) {
        long total = totalOps();
        return Math.max(1, (total + cells - 1) / cells);
    }
}
