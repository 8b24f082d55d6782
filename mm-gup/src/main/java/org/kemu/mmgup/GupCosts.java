package org.kemu.mmgup;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Named costs of GUP, in ns of CPU time.
 *
 * @param callNs fixed cost of one pin/get call (argument checks, VMA lookup, lru_add_drain)
 * @param pageNs per 4 KiB page walked and grabbed by the per-page implementation (follow_page_mask +
 *     try_grab_page), paid even for pages inside a THP (5.14 behaviour), not for hugetlb pages
 * @param folioNs per folio run walked and grabbed by the folio-batched implementation (one
 *     try_grab_folio(folio, n)), and per hugetlb page by both (5.14 {@code follow_hugetlb_page}: one
 *     {@code try_grab_compound_head} per huge page under {@code huge_pte_lock}); a small page is a run of one
 * @param pageArrayNs per 4 KiB page written to the caller's page array (both implementations)
 * @param unpinPageNs one release by the 5.14 implementation ({@code put_compound_head}): per folio run in
 *        {@code unpin_user_pages*} (5.12+ {@code for_each_compound_head}), per page for page-by-page callers
 * @param unpinFolioNs one release (per folio run) by the folio-batched implementation
 * @param thpPageNs extra per 4 KiB page of an anonymous THP walked by the per-page implementation
 *     ({@code follow_page_mask -> follow_trans_huge_pmd} under the PMD lock, repeated for each small
 *     page of the huge page; a hugetlb leaf is looked up without it). The folio-batched walk takes the
 *     PMD once per folio and does not pay it
 */
public record GupCosts(long callNs, long pageNs, long folioNs, long pageArrayNs, long unpinPageNs,
        long unpinFolioNs, long thpPageNs) {

    public GupCosts {
        KernelException.require(callNs >= 0 && pageNs >= 0 && folioNs >= 0 && pageArrayNs >= 0 && unpinPageNs >= 0
                && unpinFolioNs >= 0 && thpPageNs >= 0, Errno.EINVAL, "gup_costs", "negative cost");
    }

    public static GupCosts defaults() {
        return new GupCosts(300, 40, 40, 2, 30, 30, 0);
    }

    public static GupCosts free() {
        return new GupCosts(0, 0, 0, 0, 0, 0, 0);
    }
}
