package org.kemu.hugetlbbootinit;

/** How hugetlb boot allocation sizes its padata job (docs/kernel/padata.md section 2.3). */
public enum ThreadRule {
    /** 2024 (Gang Li): max_threads = nodes with memory x 2, min_chunk = pages / nodes / 2. */
    NODES_X2,
    /** 2025 (Thomas Prescher): max_threads = 25% of hardware threads (or hugepage_alloc_threads=), min_chunk = pages / threads. */
    QUARTER_HW
}
