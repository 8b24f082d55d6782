package org.kemu.mmgup.phys;

/**
 * The order-0 pages of one 2 MiB block: a used bitmap and their refcounts. While every used page has
 * the same refcount (the common case: a guest's block mapped once, then pinned once) the counts are
 * one {@code uniform} value and cost nothing per page; the first divergence materialises a
 * {@code char[512]} (2 bytes per page). Values from 0xFFFF up live in an overflow map.
 *
 * <p>A materialised block goes back to one value as soon as its used pages agree again: a pin of
 * 4 KiB pages diverges every block it is part way through and leaves them all equal when it is done,
 * so a terabyte guest pinned keeps its counts in a few bytes per block rather than two per page.
 * While materialised, {@code uniform} is the reference value and {@code diverged} counts the used
 * pages whose stored count differs from it.
 */
final class SmallBlock {
    static final char BIG = 0xFFFF;

    final long[] used = new long[8];
    int nrUsed;
    char uniform;
    char[] refs;
    /** Used pages whose {@code refs} entry is not {@code uniform}, while materialised. */
    int diverged;

    boolean isUsed(int i) {
        return (used[i >>> 6] & (1L << i)) != 0;
    }

    void setUsed(int i) {
        used[i >>> 6] |= 1L << i;
        nrUsed++;
    }

    void clearUsed(int i) {
        used[i >>> 6] &= ~(1L << i);
        nrUsed--;
    }

    /** Gives every used page its own count. */
    void materialise() {
        if (refs != null) {
            return;
        }
        refs = new char[512];
        diverged = 0;
        for (int w = 0; w < 8; w++) {
            long bits = used[w];
            while (bits != 0) {
                int b = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                refs[(w << 6) + b] = uniform;
            }
        }
    }

    /**
     * Stores {@code v} for page {@code i} of a materialised block; only used pages count towards
     * {@code diverged} (a page becoming used or free goes through {@link #storeNewlyUsed} and
     * {@link #storeFreed}).
     */
    void store(int i, char v) {
        char old = refs[i];
        refs[i] = v;
        if (!isUsed(i)) {
            return;
        }
        if (old != uniform && v == uniform) {
            diverged--;
        } else if (old == uniform && v != uniform) {
            diverged++;
        }
    }

    /** Page {@code i} becomes used with count {@code v} in a materialised block. */
    void storeNewlyUsed(int i, char v) {
        refs[i] = v;
        if (v != uniform) {
            diverged++;
        }
    }

    /** Page {@code i} of a materialised block stops being used. */
    void storeFreed(int i) {
        if (refs[i] != uniform) {
            diverged--;
        }
        refs[i] = 0;
    }

    /**
     * Drops the per-page counts when every used page has the same one again. With none differing
     * from the reference that is the reference; with all differing, one scan tells whether they
     * agree among themselves (an overflowed count, {@link #BIG}, never collapses).
     */
    void collapseIfUniform() {
        if (refs == null) {
            return;
        }
        if (diverged == 0) {
            refs = null;
            return;
        }
        if (diverged != nrUsed) {
            return;
        }
        char v = 0;
        boolean first = true;
        for (int w = 0; w < 8; w++) {
            long bits = used[w];
            while (bits != 0) {
                int b = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                char r = refs[(w << 6) + b];
                if (r == BIG || !first && r != v) {
                    return;
                }
                v = r;
                first = false;
            }
        }
        uniform = v;
        diverged = 0;
        refs = null;
    }

    /** Whether pages [o, o + n) are exactly the used pages. */
    boolean coversAllUsed(int o, int n) {
        if (n != nrUsed) {
            return false;
        }
        for (int i = o; i < o + n; i++) {
            if (!isUsed(i)) {
                return false;
            }
        }
        return true;
    }

    long heapBytes() {
        return 16 + 8 * 8 + 16 + 8 + 4 + (refs == null ? 0 : 16 + 2L * refs.length);
    }
}
