package org.kemu.schedfair.lockdep;

/**
 * The {@code prev -> next} lock-class dependencies lockdep has already learned, as class indices
 * packed in one long, in an open-addressing table of primitive longs. It is what check_prev_add()
 * (kernel/locking/lockdep.c) asks first, "is the dependency already present in prev's locks_after
 * list?", answered without a lookup keyed by class names and without allocating: every acquisition
 * asks it once per lock held, and only a new edge goes on to the cycle search.
 *
 * <p>Only membership: the order edges were learned in (which the cycle search walks) stays in
 * {@link Lockdep}'s own lists. Not thread-safe; Lockdep calls it under its monitor.
 */
final class DependencySet {
    /** Empty slot. Class indices start at 1, so no packed pair is 0. */
    private static final long EMPTY = 0L;

    private long[] slots = new long[64];
    private int size;

    /** The key of the dependency {@code prev -> next}; order matters (A -> B is not B -> A). */
    static long key(int prev, int next) {
        return ((long) prev << 32) | (next & 0xffff_ffffL);
    }

    boolean contains(long key) {
        long[] s = slots;
        int mask = s.length - 1;
        for (int i = index(key, mask); ; i = (i + 1) & mask) {
            long k = s[i];
            if (k == key) {
                return true;
            }
            if (k == EMPTY) {
                return false;
            }
        }
    }

    /** Adds {@code key}; returns false when it was already present. */
    boolean add(long key) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("class indices start at 1");
        }
        if (!insert(slots, key)) {
            return false;
        }
        if (++size * 2 > slots.length) {
            long[] bigger = new long[slots.length * 2];
            for (long k : slots) {
                if (k != EMPTY) {
                    insert(bigger, k);
                }
            }
            slots = bigger;
        }
        return true;
    }

    int size() {
        return size;
    }

    private static boolean insert(long[] s, long key) {
        int mask = s.length - 1;
        for (int i = index(key, mask); ; i = (i + 1) & mask) {
            if (s[i] == key) {
                return false;
            }
            if (s[i] == EMPTY) {
                s[i] = key;
                return true;
            }
        }
    }

    /** Fibonacci hashing: the high bits of key * 2^64/phi, so consecutive indices spread out. */
    private static int index(long key, int mask) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask;
    }
}
