package org.kemu.mmgup.phys;

import java.util.Arrays;

/**
 * The free folios of one hugetlb pool ({@code h->hugepage_freelists[nid]}, mm/hugetlb.c 5.14) as a
 * LIFO stack: {@code enqueue_huge_page()} does {@code list_move()} to the head of the list,
 * {@code dequeue_huge_page_node_exact()} and {@code remove_pool_huge_page()} take the first entry.
 * So the page freed (or carved) last is handed out first. The top of the stack is the list head.
 */
final class LongStack {
    private long[] a = new long[4];
    private int n;

    /** {@code enqueue_huge_page()}: to the head. */
    void push(long v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
        }
        a[n++] = v;
    }

    /** The first entry of the list ({@code list_first_entry}), removed. */
    long pop() {
        if (n == 0) {
            throw new IllegalStateException("empty hugetlb free list");
        }
        return a[--n];
    }

    int size() {
        return n;
    }

    long heapBytes() {
        return 32 + 8L * a.length;
    }
}
