package org.kemu.mmgup;

/** x86-64 page geometry and GUP constants (include/linux/mm.h, arch/x86/include/asm/page_types.h). */
public final class MmConstants {
    private MmConstants() {
    }

    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** Order of a PMD-sized folio (THP, 2 MiB hugetlb). */
    public static final int PMD_ORDER = 9;
    /** Order of a PUD-sized folio (1 GiB hugetlb). */
    public static final int PUD_ORDER = 18;
    public static final int PMD_PAGES = 1 << PMD_ORDER;
    public static final int PUD_PAGES = 1 << PUD_ORDER;
    public static final long PMD_SIZE = PAGE_SIZE << PMD_ORDER;
    public static final long PUD_SIZE = PAGE_SIZE << PUD_ORDER;
    /** A pin of a small folio adds this to its refcount (docs/kernel/vfio-gup.md section 2.2). */
    public static final int GUP_PIN_COUNTING_BIAS = 1 << 10;
    /**
     * sizeof(struct page) on x86-64 (include/linux/mm_types.h, 5.14, no debug options): one cache line,
     * so a loop that reads the struct page of every 4 KiB page streams this many bytes per page.
     */
    public static final int STRUCT_PAGE_SIZE = 64;
    /** x86-64 with 4-level paging: the top of user space. */
    public static final long TASK_SIZE_MAX = (1L << 47) - PAGE_SIZE;
    /** The lowest address mmap hands out without MAP_FIXED (above mmap_min_addr, clear of the binary). */
    public static final long MMAP_BASE = 1L << 32;

    /** Pages in a folio of {@code order}. */
    public static long pagesOfOrder(int order) {
        return 1L << order;
    }
}
