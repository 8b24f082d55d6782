package org.kemu.mmgup;

/**
 * Address-space operations: creating an mm, mmap/munmap and page faults (populate). Calls that take
 * the mmap lock or do work run inside an emulated task; errors are {@link org.kemu.schedfair.KernelException}s
 * with the kernel's errno, and a failed call leaves the mm as it was.
 */
public interface AddressSpaces {

    /** {@code mm_alloc()} for a new process; RLIMIT_MEMLOCK in bytes. May be called outside a task. */
    MmStruct mmCreate(String name, long rlimitMemlockBytes, boolean capIpcLock);

    /**
     * {@code mmap(addr, len, PROT_READ | (write ? PROT_WRITE : 0), MAP_PRIVATE | MAP_ANONYMOUS
     * [| MAP_HUGETLB], -1, 0)}, plus MADV_HUGEPAGE for {@link VmaKind#ANON_THP}. {@code addr} 0 lets
     * the kernel choose (aligned to the folio size); otherwise it is MAP_FIXED_NOREPLACE (EEXIST on
     * overlap). Errors: EINVAL for length 0, an unaligned fixed address or PFNMAP (use
     * {@link #mmapPfn}); ENOMEM when the length overflows or no address range fits, or when the hugetlb
     * pool cannot reserve the pages. Takes the mmap lock for write.
     */
    long mmap(MmStruct mm, long addr, long len, VmaKind kind, boolean write);

    /**
     * A device mmap ({@code remap_pfn_range}, or a huge PFNMAP of a BAR): maps {@code len} bytes at
     * pfns from {@code basePfn}, with leaves of {@code levelOrder} (0, 9 or 18).
     */
    long mmapPfn(MmStruct mm, long len, long basePfn, boolean write, int levelOrder);

    /**
     * {@code munmap(addr, len)}: EINVAL for an unaligned address, length 0 or a range past
     * TASK_SIZE, or a split of a hugetlb mapping off its page size. Unmapping pinned pages is allowed:
     * the pin keeps them allocated until it is dropped. Takes the mmap lock for write.
     */
    void munmap(MmStruct mm, long addr, long len);

    /**
     * The first half of {@link #munmap} for a caller that tears the range down itself: the same
     * checks (the same errors), the VMA splits at the range's edges and the detach of every VMA
     * inside it ({@code detach_vmas_to_be_unmapped}). The caller holds {@code mm}'s mmap lock for
     * write and keeps it (or its downgrade to read) until {@link UnmapRegion#finish}. A range with no
     * VMA gives an empty region. {@code munmap} is this, a zap of everything and finish.
     */
    UnmapRegion detachRange(MmStruct mm, long addr, long len);

    /**
     * {@code madvise(MADV_POPULATE_WRITE)} (or READ): faults every page of the range in, from the
     * current task, under the mmap read lock. EFAULT at a hole, ENOMEM when memory runs out.
     */
    void populate(MmStruct mm, long addr, long len, boolean write);

    /**
     * qemu 6.2's prealloc touch ({@code do_touch_pages}): the current task reads then writes one byte
     * of every 4 KiB page of the range. On anonymous memory each page becomes a copy-on-write of the
     * (huge) zero page with a TLB shootdown of the other CPUs running the mm; on hugetlb each huge page
     * is faulted once. EFAULT at a hole, PFNMAP or read-only mapping, ENOMEM when memory runs out.
     */
    void touchPages(MmStruct mm, long addr, long len);

    /** The pfn mapped at {@code addr}, or -1: a page-table walk without locks, for checks and tests. */
    long followPfn(MmStruct mm, long addr);

    /**
     * {@code follow_pfnmap_start()} on a VM_PFNMAP mapping (caller holds the mmap lock): EFAULT when the
     * address is not in a PFNMAP VMA, or a write is asked of a read-only one.
     */
    PfnmapLookup followPfnmap(MmStruct mm, long addr, boolean write);

    /** {@code exit_mmap()}: unmaps everything (pinned pages stay allocated) and marks the mm exited. */
    void exitMmap(MmStruct mm);
}
