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

    /**
     * The memory cgroup of {@code mm->owner}: what a fault on this mm charges its user pages to
     * ({@code mem_cgroup_charge(page, vma->vm_mm)} -> {@code get_mem_cgroup_from_mm}), whoever faults,
     * and the group of the process's own threads (memory is a domain controller in cgroup v2: every
     * thread of a process is in its group). Root unless set.
     */
    org.kemu.schedfair.MemCgroup memcg();

    /** Moves the owner (and so the process) to {@code memcg}; charges already made stay where they are, as in cgroup v2. */
    void setMemcg(org.kemu.schedfair.MemCgroup memcg);

    /** {@code mm_pgtables_bytes(mm)}: bytes of the PUD, PMD and PTE pages its faults allocated (the PGD not counted). */
    long pgtablesBytes();

    /**
     * The page-table pages of this mm by the memcg their allocation charged (the {@code memcg_data}
     * of each table page, {@code __memcg_kmem_charge_page}); pages that charged no group are left out.
     */
    java.util.Map<org.kemu.schedfair.MemCgroup, Long> pgtableCharges();

    /** The VMAs, ascending. */
    List<Vma> vmas();

    /** The VMA containing {@code addr}, or null ({@code vma_lookup}). */
    Vma vmaLookup(long addr);
}
