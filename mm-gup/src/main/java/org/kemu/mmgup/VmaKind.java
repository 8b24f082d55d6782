package org.kemu.mmgup;

/** What backs a mapping. */
public enum VmaKind {
    /** Private anonymous memory in 4 KiB pages (THP disabled for the range, MADV_NOHUGEPAGE). */
    ANON(0),
    /** Private anonymous memory with THP enabled (MADV_HUGEPAGE): 2 MiB folios where possible. */
    ANON_THP(0),
    /** hugetlbfs (or MAP_HUGETLB) with 2 MiB pages. */
    HUGETLB_2M(MmConstants.PMD_ORDER),
    /** hugetlbfs (or MAP_HUGETLB) with 1 GiB pages. */
    HUGETLB_1G(MmConstants.PUD_ORDER),
    /** VM_IO | VM_PFNMAP: a device BAR or other raw pfns (remap_pfn_range); GUP refuses it. */
    PFNMAP(0);

    private final int pageOrder;

    VmaKind(int pageOrder) {
        this.pageOrder = pageOrder;
    }

    /** Order of the mapping's page size (0 for 4 KiB). */
    public int pageOrder() {
        return pageOrder;
    }

    public boolean isHugetlb() {
        return this == HUGETLB_2M || this == HUGETLB_1G;
    }
}
