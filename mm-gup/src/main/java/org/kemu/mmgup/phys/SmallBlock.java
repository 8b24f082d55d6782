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
 *
 * <p>Between the two sits a two-value form for a pin or unpin part way through a block: the used
 * pages whose bit is set in {@code alt} count {@code altValue}, the others {@code uniform}, so a block
 * costs 64 bytes more rather than a kilobyte while most of a guest's blocks are being pinned at once.
 */
final class SmallBlock {
    static final char BIG = 0xFFFF;

    final long[] used = new long[8];
    int nrUsed;
    char uniform;
    char[] refs;
    /** Used pages whose {@code refs} entry is not {@code uniform}, while materialised. */
    int diverged;
    /** The two-value form's pages at {@code altValue} (a subset of {@code used}), or null; never with {@code refs}. */
    long[] alt;
    char altValue;

    /** The count of used page {@code i} of a block that is not materialised. */
    char packedValue(int i) {
        return alt != null && (alt[i >>> 6] & (1L << i)) != 0 ? altValue : uniform;
    }

    /**
     * Adds {@code delta} to the count of each of pages [o, o + n) of a block that is not
     * materialised, if the block stays at most two values with nothing freed or overflowing: a range
     * at the common value moving to the other one (a pin), or a range at the other value moving
     * back (an unpin). False, with nothing changed, otherwise.
     */
    boolean tryTwoValue(int o, int n, int delta) {
        if (delta == 0) {
            return true;
        }
        // word by word over [o, o + n): a 4 KiB pin calls this once per physically contiguous run
        int first = o >>> 6;
        int last = n <= 0 ? first - 1 : (o + n - 1) >>> 6;
        int inAlt = 0;
        for (int w = first; w <= last; w++) {
            long m = rangeMask(w, o, n);
            if ((used[w] & m) != m) {
                return false;
            }
            if (alt != null) {
                inAlt += Long.bitCount(alt[w] & m);
            }
        }
        if (inAlt == 0) {
            int nv = uniform + delta;
            if (nv <= 0 || nv >= BIG) {
                return false;
            }
            if (alt == null) {
                alt = new long[8];
                altValue = (char) nv;
            } else if (nv != altValue) {
                return false;
            }
            for (int w = first; w <= last; w++) {
                alt[w] |= rangeMask(w, o, n);
            }
        } else if (inAlt == n) {
            if (altValue + delta != uniform) {
                return false;
            }
            for (int w = first; w <= last; w++) {
                alt[w] &= ~rangeMask(w, o, n);
            }
        } else {
            return false;
        }
        normaliseTwoValue();
        return true;
    }

    /** The bits of word {@code w} that lie in pages [o, o + n). */
    static long rangeMask(int w, int o, int n) {
        int lo = Math.max(o, w << 6) - (w << 6);
        int hi = Math.min(o + n, (w + 1) << 6) - (w << 6);
        if (hi <= lo) {
            return 0;
        }
        long ones = hi - lo == 64 ? -1L : (1L << (hi - lo)) - 1;
        return ones << lo;
    }

    /** Back to one value when no used page, or every used page, is at {@code altValue}. */
    private void normaliseTwoValue() {
        boolean none = true;
        boolean all = true;
        for (int w = 0; w < 8; w++) {
            none &= alt[w] == 0;
            all &= alt[w] == used[w];
        }
        if (all) {
            uniform = altValue;
        }
        if (none || all) {
            alt = null;
        }
    }

    boolean isUsed(int i) {
        return (used[i >>> 6] & (1L << i)) != 0;
    }

    void setUsed(int i) {
        setUsedBits(i >>> 6, 1L << i);
    }

    /** Marks used the free pages whose bits are set in {@code bits} of word {@code w}. */
    void setUsedBits(int w, long bits) {
        used[w] |= bits;
        nrUsed += Long.bitCount(bits);
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
                refs[(w << 6) + b] = packedValue((w << 6) + b);
            }
            if (alt != null) {
                diverged += Long.bitCount(alt[w]);
            }
        }
        alt = null;
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
        if (n != nrUsed || n <= 0) {
            return n == nrUsed;
        }
        for (int w = o >>> 6; w <= (o + n - 1) >>> 6; w++) {
            long m = rangeMask(w, o, n);
            if ((used[w] & m) != m) {
                return false;
            }
        }
        return true;
    }

    long heapBytes() {
        return 16 + 8 * 8 + 16 + 8 + 4 + 2 + 4 + (refs == null ? 0 : 16 + 2L * refs.length)
                + (alt == null ? 0 : 16 + 8 * 8);
    }
}
