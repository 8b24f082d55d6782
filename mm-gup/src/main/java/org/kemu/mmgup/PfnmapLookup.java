package org.kemu.mmgup;

/**
 * What {@code follow_pfnmap_start()} reports for an address in a VM_PFNMAP mapping.
 *
 * @param pfn the pfn mapped at the address
 * @param pagesToLevelEnd pages from the address to the end of its page-table leaf (PTE, PMD or PUD;
 *     the {@code addr_mask} VFIO uses to step over huge PFNMAP entries)
 * @param writable whether the entry allows writes
 */
public record PfnmapLookup(long pfn, long pagesToLevelEnd, boolean writable) {
}
