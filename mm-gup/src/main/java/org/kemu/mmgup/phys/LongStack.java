package org.kemu.mmgup.phys;

import java.util.Arrays;

/**
 * The free folios of a hugetlb pool: a growable long array kept sorted (descending) lazily, so that
 * allocation always takes the lowest pfn (deterministic, and contiguous on a fresh machine) and a
 * burst of frees costs one sort at the next allocation.
 */
final class LongStack {
    private long[] a = new long[4];
    private int n;
    private boolean sorted = true;

    void push(long v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
        }
        if (n > 0 && a[n - 1] < v) {
            sorted = false;
        }
        a[n++] = v;
    }

    private void sortDescending() {
        if (!sorted) {
            Arrays.sort(a, 0, n);
            for (int i = 0, j = n - 1; i < j; i++, j--) {
                long t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
            sorted = true;
        }
    }

    long popLowest() {
        sortDescending();
        return a[--n];
    }

    long popHighest() {
        sortDescending();
        long v = a[0];
        System.arraycopy(a, 1, a, 0, n - 1);
        n--;
        return v;
    }

    int size() {
        return n;
    }

    long heapBytes() {
        return 32 + 8L * a.length;
    }
}
