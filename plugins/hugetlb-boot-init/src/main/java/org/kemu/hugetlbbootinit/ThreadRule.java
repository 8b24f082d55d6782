package org.kemu.hugetlbbootinit;

/** How hugetlb boot allocation sizes its padata job (docs/kernel/padata.md section 2.3). */
public enum ThreadRule {
    /**
     * 2024 (Gang Li): max_threads = nodes with memory x multiplier, min_chunk = pages / nodes /
     * multiplier. Merged with multiplier 2; the series' cover letter (v5, "max_threads") studied 1..5.
     * The study must have scaled min_chunk with the multiplier: with min_chunk fixed at pages / nodes / 2
     * padata would never start more than nodes x 2 works (our inference).
     */
    NODES_X_MULTIPLIER,
    /** 2025 (Thomas Prescher): max_threads = 25% of hardware threads (or hugepage_alloc_threads=), min_chunk = pages / threads. */
    QUARTER_HW
}
