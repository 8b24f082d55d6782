package org.kemu.mmgup;

/**
 * get_user_pages and friends (mm/gup.c). Two implementations pin exactly the same pages and differ
 * only in the work they charge: per 4 KiB page (as in 5.14) or per folio run (the 2021-2025 folio
 * batching). Pages are returned as pfns.
 *
 * <p>Return convention (docs/kernel/vfio-gup.md section 2.1): the number of pages pinned, possibly fewer than
 * asked; an error is thrown only when none was pinned. The caller owns the pins of a partial result.
 * Errors: EFAULT for a hole, a VM_PFNMAP/VM_IO mapping, a write to a read-only mapping, a missing page
 * with FOLL_NOFAULT, or an exited mm; ENOMEM when a fault or a long-term migration cannot allocate;
 * EINTR when a fatal signal is pending.
 */
public interface Gup {

    /**
     * {@code pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, NULL)}: the caller holds
     * {@code mm}'s mmap lock for read. Invalid flags (FOLL_GET, unknown bits) or a missing page array
     * return 0 after a WARN, as the kernel does; VFIO turns that 0 into EFAULT.
     */
    long pinUserPagesRemote(MmStruct mm, long start, long nrPages, int gupFlags, long[] pfnsOut);

    /**
     * {@code pin_user_pages_fast()} on the current task's mm: a lockless walk over present pages, then
     * the slow path under the mmap read lock it takes itself. EINVAL for invalid flags, EOVERFLOW when
     * the range wraps, EFAULT past TASK_SIZE or without an mm.
     */
    long pinUserPagesFast(long start, long nrPages, int gupFlags, long[] pfnsOut);

    /**
     * {@code get_user_pages_remote()}: takes plain references (release with {@link #putPages}); the
     * caller holds the mmap lock for read. EINVAL for invalid flags (FOLL_PIN, FOLL_LONGTERM, unknown).
     */
    long getUserPages(MmStruct mm, long start, long nrPages, int gupFlags, long[] pfnsOut);

    /** {@code put_page()} on each page. */
    void putPages(long[] pfns, int n);

    /** {@code unpin_user_pages()}: consecutive entries of one folio are released together. */
    void unpinUserPages(long[] pfns, int n);

    /** {@code unpin_user_pages_dirty_lock()}: as {@link #unpinUserPages}, marking folios dirty first. */
    void unpinUserPagesDirtyLock(long[] pfns, int n, boolean makeDirty);

    /** {@code unpin_user_page_range_dirty_lock()}: a physically contiguous range, folio by folio. */
    void unpinUserPageRangeDirtyLock(long firstPfn, long n, boolean makeDirty);

    /**
     * {@code unpin_user_pages_dirty_lock(&page, 1, makeDirty)} once for every 4 KiB page of a physically
     * contiguous range: one release per page whatever the folio. This is what a caller that unpins page
     * by page pays, such as 5.14 vfio's {@code put_pfn()} loop in {@code vfio_unpin_pages_remote()}.
     */
    void unpinUserPagesEach(long firstPfn, long n, boolean makeDirty);

    /** A short name for reports ("per-page", "folio-batched"). */
    String name();
}
