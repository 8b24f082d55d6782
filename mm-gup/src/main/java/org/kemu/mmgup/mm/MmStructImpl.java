package org.kemu.mmgup.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.Vma;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.SpinLock;

/**
 * An mm: VMAs by start address, the mmap lock, the page-table locks, and accounting.
 *
 * <p>Page-table locks as x86-64 5.14 has them (USE_SPLIT_PTE_PTLOCKS, USE_SPLIT_PMD_PTLOCKS): a lock
 * belongs to a page-table page. {@link #pteLock} is {@code pte_lockptr()} = {@code ptlock_ptr(pmd_page(*pmd))},
 * one per PTE page, i.e. per 2 MiB of address space; {@link #pmdLock} is {@code pmd_lockptr()} =
 * {@code ptlock_ptr(pmd_to_page(pmd))}, one per PMD page, i.e. per 1 GiB; {@link #pageTableLock} is
 * {@code mm->page_table_lock}, which {@code huge_pte_lockptr()} returns for a 1 GiB hugetlb page.
 * PTE locks are a fixed pool hashed by PTE-page index (a terabyte mapping would need half a million
 * lock objects; distinct PTE pages that hash alike contend where the kernel's would not); PMD locks
 * are made on first use, one per 1 GiB region touched, so they never alias.
 */
public final class MmStructImpl implements MmStruct {
    static final int PTL_POOL = 256;

    private final String name;
    private final RwSemaphore mmapLock;
    private final SpinLock[] ptls = new SpinLock[PTL_POOL];
    private final Kernel kernel;
    private final java.util.concurrent.ConcurrentHashMap<Long, SpinLock> pmdLocks = new java.util.concurrent.ConcurrentHashMap<>();
    private final SpinLock pageTableLock;
    final AtomicCounter pinnedVm;
    final TreeMap<Long, VmaImpl> vmas = new TreeMap<>();
    /** {@code mm->locked_vm} as 5.14 keeps it: a plain counter, changed under the mmap write lock. */
    long lockedVm;
    /**
     * The part of {@code mm->locked_vm} charged the ktask v4 way (an {@code atomic_long_t}, no mmap
     * lock: {@link org.kemu.mmgup.LockedVm#accountLockedVmAtomic}); locked_vm is the sum of both.
     */
    final AtomicCounter lockedVmAtomic;
    /** Net pages charged through either path, for the invariant checker (bookkeeping, not kernel state). */
    final java.util.concurrent.atomic.AtomicLong charged = new java.util.concurrent.atomic.AtomicLong();
    private long rlimitMemlock;
    private boolean capIpcLock;
    /** The page-table pages faults allocated, with the groups they charged. */
    final PgTables pgtables = new PgTables();
    private volatile org.kemu.schedfair.MemCgroup memcg = org.kemu.schedfair.MemCgroup.ROOT;
    volatile boolean exited;
    volatile boolean hasPinned;

    MmStructImpl(Kernel kernel, String name, long rlimitMemlock, boolean capIpcLock) {
        this.name = name;
        this.kernel = kernel;
        // lockdep classes as 5.14 keys them: mm_init() initialises every mm's page_table_lock and (in
        // mmap_init_lock) mmap_lock at one site each; ptlock_init() gives all PTE-page locks one class,
        // and PMD-page locks, made by pgtable_pmd_page_ctor at another site, another
        this.pageTableLock = kernel.spinlock("page_table_lock:" + name, "page_table_lock");
        this.mmapLock = kernel.rwsem("mmap_lock:" + name, "mmap_lock");
        for (int i = 0; i < PTL_POOL; i++) {
            ptls[i] = kernel.spinlock("pte_ptl:" + name + ":" + i, "pte_ptl");
        }
        this.pinnedVm = kernel.atomic("pinned_vm:" + name, 0);
        this.lockedVmAtomic = kernel.atomic("locked_vm:" + name, 0);
        this.rlimitMemlock = rlimitMemlock;
        this.capIpcLock = capIpcLock;
    }

    /** {@code pte_lockptr()}: the split lock of the PTE page mapping {@code addr} (one per 2 MiB). */
    SpinLock pteLock(long addr) {
        return ptls[(int) ((addr >>> 21) % PTL_POOL)];
    }

    /** {@code pmd_lockptr()}: the split lock of the PMD page mapping {@code addr} (one per 1 GiB). */
    SpinLock pmdLock(long addr) {
        // looked up first: computeIfAbsent's lambda captures this, an allocation per fault
        SpinLock l = pmdLocks.get(addr >>> 30);
        return l != null ? l : pmdLocks.computeIfAbsent(addr >>> 30, i -> kernel.spinlock("pmd_ptl:" + name + ":" + i, "pmd_ptl"));
    }

    /** {@code mm->page_table_lock}. */
    SpinLock pageTableLock() {
        return pageTableLock;
    }

    /**
     * {@code huge_pte_lockptr()} for a hugetlb page of {@code order}: the PMD lock for a PMD-sized page,
     * {@code mm->page_table_lock} otherwise (a 1 GiB page).
     */
    SpinLock hugePteLock(int order, long addr) {
        return order == org.kemu.mmgup.MmConstants.PMD_ORDER ? pmdLock(addr) : pageTableLock;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public RwSemaphore mmapLock() {
        return mmapLock;
    }

    @Override
    public long lockedVm() {
        return lockedVm + lockedVmAtomic.get();
    }

    @Override
    public long pinnedVm() {
        return pinnedVm.get();
    }

    @Override
    public long rlimitMemlock() {
        return rlimitMemlock;
    }

    @Override
    public void setRlimitMemlock(long bytes) {
        this.rlimitMemlock = bytes;
    }

    @Override
    public boolean capIpcLock() {
        return capIpcLock;
    }

    @Override
    public void setCapIpcLock(boolean cap) {
        this.capIpcLock = cap;
    }

    @Override
    public org.kemu.schedfair.MemCgroup memcg() {
        return memcg;
    }

    @Override
    public void setMemcg(org.kemu.schedfair.MemCgroup cg) {
        this.memcg = java.util.Objects.requireNonNull(cg, "memcg");
    }

    @Override
    public long pgtablesBytes() {
        return pgtables.bytes();
    }

    @Override
    public Map<org.kemu.schedfair.MemCgroup, Long> pgtableCharges() {
        return pgtables.charges();
    }

    @Override
    public boolean exited() {
        return exited;
    }

    @Override
    public boolean hasPinned() {
        return hasPinned;
    }

    public void setHasPinned() {
        hasPinned = true;
    }

    @Override
    public List<Vma> vmas() {
        return new ArrayList<>(vmas.values());
    }

    @Override
    public Vma vmaLookup(long addr) {
        return findVma(addr);
    }

    public VmaImpl findVma(long addr) {
        Map.Entry<Long, VmaImpl> e = vmas.floorEntry(addr);
        if (e == null || e.getValue().end <= addr) {
            return null;
        }
        return e.getValue();
    }

    /** Heap bytes of page tables and VMAs. */
    public long heapBytes() {
        long b = 256;
        for (VmaImpl v : vmas.values()) {
            b += 96 + (v.pt == null ? 0 : v.pt.heapBytes());
        }
        return b;
    }

    @Override
    public String toString() {
        return "mm[" + name + "]";
    }
}
