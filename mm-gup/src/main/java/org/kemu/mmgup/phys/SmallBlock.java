package org.kemu.mmgup.phys;

/**
 * The order-0 pages of one 2 MiB block: a used bitmap and their refcounts. While every used page has
 * the same refcount (the common case: a guest's block mapped once, then pinned once) the counts are
 * one {@code uniform} value and cost nothing per page; the first divergence materialises a
 * {@code char[512]} (2 bytes per page). Values from 0xFFFF up live in an overflow map.
 */
final class SmallBlock {
    static final char BIG = 0xFFFF;

    final long[] used = new long[8];
    int nrUsed;
    char uniform;
    char[] refs;

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
        for (int w = 0; w < 8; w++) {
            long bits = used[w];
            while (bits != 0) {
                int b = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                refs[(w << 6) + b] = uniform;
            }
        }
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
        return 16 + 8 * 8 + 16 + 8 + (refs == null ? 0 : 16 + 2L * refs.length);
    }
}
