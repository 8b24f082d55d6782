package org.kemu.hugetlbfallocate;

import java.util.Arrays;

/**
 * The page cache of one hugetlbfs file: the folio head pfn at each huge-page index, or -1 for a hole.
 * Chunks of a padata job own disjoint index ranges, so entries need no lock; the counters exist so
 * tests can check that every index was allocated and cleared exactly once.
 */
public final class HugetlbFile {
    private final int order;
    private final long[] pages;
    private final int[] timesAllocated;
    private final int[] timesCleared;

    public HugetlbFile(int order, int nrPages) {
        this.order = order;
        this.pages = new long[nrPages];
        this.timesAllocated = new int[nrPages];
        this.timesCleared = new int[nrPages];
        Arrays.fill(pages, -1);
    }

    public int order() {
        return order;
    }

    public int size() {
        return pages.length;
    }

    /** Folio head at {@code index}, or -1. */
    public long page(int index) {
        return pages[index];
    }

    void install(int index, long head) {
        pages[index] = head;
        timesAllocated[index]++;
    }

    void cleared(int index) {
        timesCleared[index]++;
    }

    long remove(int index) {
        long h = pages[index];
        pages[index] = -1;
        return h;
    }

    /** How often index was given a page (undone pages count too). */
    public int timesAllocated(int index) {
        return timesAllocated[index];
    }

    public int timesCleared(int index) {
        return timesCleared[index];
    }

    /** Indices that hold a page. */
    public long populated() {
        return Arrays.stream(pages).filter(p -> p >= 0).count();
    }
}
