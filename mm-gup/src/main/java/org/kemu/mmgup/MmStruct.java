package org.kemu.mmgup;

import java.util.List;
import org.kemu.schedfair.RwSemaphore;

/**
 * An address space ({@code struct mm_struct}) of a user process: its VMAs, the mmap lock, and the
 * memory accounting GUP users charge. User tasks find theirs with
 * {@code task.attachment(MmStruct.class)}. Mutate it through {@link AddressSpaces}, {@link Gup} and
 * {@link LockedVm}.
 *
 * <p>RLIMIT_MEMLOCK and CAP_IPC_LOCK belong to the owning process's credentials in the kernel; an mm
 * here carries those of its owner, which is what {@code account_locked_vm()} reads.
 */
public interface MmStruct {
    String name();

    /** {@code mm->mmap_lock}. */
    RwSemaphore mmapLock();

    /** {@code mm->locked_vm}, in pages (protected by the mmap lock held for write). */
    long lockedVm();

    /** {@code mm->pinned_vm}, in pages (atomic, no lock). */
    long pinnedVm();

    /** RLIMIT_MEMLOCK in bytes ({@link Long#MAX_VALUE} = RLIM_INFINITY). */
    long rlimitMemlock();

    void setRlimitMemlock(long bytes);

    /** {@code capable(CAP_IPC_LOCK)} of the owner. */
    boolean capIpcLock();

    void setCapIpcLock(boolean cap);

    /** The process has exited ({@code exit_mmap} ran); GUP on it fails. */
    boolean exited();

    /** MMF_HAS_PINNED: set on the first FOLL_PIN and kept. */
    boolean hasPinned();

    /** The VMAs, ascending. */
    List<Vma> vmas();

    /** The VMA containing {@code addr}, or null ({@code vma_lookup}). */
    Vma vmaLookup(long addr);
}
