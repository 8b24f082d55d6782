package org.kemu.vfiotype1;

/**
 * How the pin path takes the mmap lock for its locked_vm accounting and its GUP calls: 5.14's, or one
 * of the two later stages of the 2018 ktask v4 series' VFIO work (docs/experiments.md, ktask-2018).
 */
public enum PinLocking {
    /**
     * 5.14 (and the 2022 series): {@code vfio_lock_acct()} takes {@code mmap_write_lock_killable()}
     * for every charge; {@code vaddr_get_pfns()} takes the mmap lock for read around each GUP batch.
     */
    MMAP_WRITE_ACCT,
    /**
     * ktask v4 07/13 and 08/13 ("mm: change locked_vm's type from unsigned long to atomic_long_t",
     * "vfio: remove unnecessary mmap_sem writer to reduce contention"): {@code mm->locked_vm} is an
     * atomic64, so {@code vfio_lock_acct()} adds to it with no mmap lock at all, checks RLIMIT_MEMLOCK
     * on the new value and backs the add out on ENOMEM. GUP still takes the read lock per batch.
     */
    ATOMIC_LOCKED_VM,
    /**
     * ktask v4 09/13 ("vfio: relieve mmap_sem reader cacheline bouncing by holding it longer"): as
     * {@link #ATOMIC_LOCKED_VM}, and {@code vfio_pin_pages_remote()} takes the mmap lock for read once
     * for its whole contiguous run, across every GUP batch of it, dropping it before the accounting.
     */
    ATOMIC_LOCKED_VM_READ_HELD;

    /** Whether locked_vm is charged atomically, without the mmap write lock. */
    public boolean atomicLockedVm() {
        return this != MMAP_WRITE_ACCT;
    }

    /** Whether {@code vfio_pin_pages_remote()} holds the read lock across its run. */
    public boolean readLockPerRun() {
        return this == ATOMIC_LOCKED_VM_READ_HELD;
    }
}
