package org.kemu.mmgup;

/**
 * The VMAs of a range that {@link AddressSpaces#detachRange} took out of an mm
 * ({@code detach_vmas_to_be_unmapped()} of 5.14's {@code __do_munmap}), with their page tables and
 * pages still in place: what {@code unmap_region()} then tears down. It lets a multithreaded munmap
 * zap disjoint parts concurrently ({@code unmap_vmas} / {@code zap_page_range} per chunk) and finish
 * on one task ({@code free_pgtables}, {@code remove_vma}).
 *
 * <p>No lock protects the region itself: it is reachable only through this object once detached.
 * The caller holds the mmap lock (for write, or read after {@code mmap_write_downgrade}) across every
 * {@link #zap} and {@link #finish}, as {@code __vm_munmap} does; helpers zapping for it rely on that
 * hold and take no mmap lock themselves.
 */
public interface UnmapRegion {

    /** First address of the region (page aligned). */
    long start();

    /** End of the region (exclusive). */
    long end();

    /**
     * {@code zap_page_range(vma, start, end - start)} over the detached VMAs: drops the mapping's
     * reference on every page mapped in {@code [start, end)} (a page whose last reference goes is
     * freed), charging the profile's zap costs. Both ends must be VMA edges or aligned to the VMA's
     * page-table slot (2 MiB; 1 GiB for 1 GiB hugetlb), so that concurrent zaps of disjoint ranges
     * never touch the same leaf table. EINVAL for a range outside the region, unaligned, or after
     * {@link #finish}.
     */
    Zapped zap(long start, long end);

    /**
     * {@code free_pgtables()} and {@code remove_vma()} of every detached VMA: the page tables go, a
     * hugetlb VMA gives back its unconsumed reservations. Zaps whatever is still mapped first, so
     * nothing leaks if a caller stopped early. Idempotent.
     */
    void finish();

    /** 4 KiB pages still mapped in the region (its share of the mm's RSS before the zap completes). */
    long mappedPages();

    /**
     * What one zap unmapped.
     *
     * @param ptePages 4 KiB pages unmapped from PTEs (one mmu_gather entry each)
     * @param pmdFolios PMD/PUD-mapped folios unmapped (one mmu_gather entry each, {@code tlb_remove_page_size})
     * @param pmdPages the 4 KiB pages of those folios
     */
    record Zapped(long ptePages, long pmdFolios, long pmdPages) {
        /** mmu_gather entries queued for freeing. */
        public long entries() {
            return ptePages + pmdFolios;
        }

        /** 4 KiB pages unmapped (the RSS the zap removes). */
        public long pages() {
            return ptePages + pmdPages;
        }
    }
}
