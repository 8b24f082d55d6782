package org.kemu.mmgup;

/**
 * How GUP's work is costed: the walk is the same, the bookkeeping differs.
 */
public enum GupFlavour {
    /** 5.14: walk, grab and unpin cost per 4 KiB page, even inside a large folio. */
    PER_PAGE,
    /**
     * The 2021-2025 folio batching: one walk step and one {@code try_grab_folio(folio, n)} per folio
     * run, one release per folio on unpin; only the page array is still written per page.
     */
    FOLIO_BATCHED
}
