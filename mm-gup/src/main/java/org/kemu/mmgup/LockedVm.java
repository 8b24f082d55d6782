package org.kemu.mmgup;

/**
 * {@code mm->locked_vm} and {@code mm->pinned_vm} accounting (mm/util.c, docs/kernel/vfio-gup.md section 1.9).
 */
public interface LockedVm {

    /**
     * {@code account_locked_vm(mm, pages, inc)}: takes the mmap lock for write (killable: EINTR),
     * checks RLIMIT_MEMLOCK unless the mm's owner has CAP_IPC_LOCK, and charges or uncharges. ENOMEM
     * (nothing charged) when the limit would be exceeded. No-op for 0 pages.
     */
    void accountLockedVm(MmStruct mm, long npages, boolean inc);

    /**
     * {@code __account_locked_vm(mm, pages, inc, task, bypass_rlim)}: the caller holds the mmap lock
     * for write. On increase, ENOMEM if {@code locked_vm + pages} exceeds {@code rlimitBytes >>
     * PAGE_SHIFT} and not {@code bypassRlim}; on decrease, removing more than is charged WARNs and
     * clamps at 0.
     */
    void accountLockedVmLocked(MmStruct mm, long npages, boolean inc, long rlimitBytes, boolean bypassRlim);

    /**
     * The 2018 ktask series' {@code locked_vm} (v4 07/13: an {@code atomic_long_t}): charges or
     * uncharges with atomic operations and no mmap lock. On increase, ENOMEM (the add backed out,
     * nothing charged) if the new value exceeds {@code rlimitBytes >> PAGE_SHIFT} and not
     * {@code bypassRlim}. {@code locked_vm} is one counter whichever way it was charged.
     */
    void accountLockedVmAtomic(MmStruct mm, long npages, boolean inc, long rlimitBytes, boolean bypassRlim);

    /** Adds (or with a negative value removes) pages to {@code mm->pinned_vm} (atomic64). */
    void addPinnedVm(MmStruct mm, long npages);

    /** Net pages charged to {@code mm} through this accounting, for {@link MmInvariants}. */
    long charged(MmStruct mm);

    /** Decreases that removed more than was charged (the kernel's WARN_ON_ONCE). */
    long warnings();
}
