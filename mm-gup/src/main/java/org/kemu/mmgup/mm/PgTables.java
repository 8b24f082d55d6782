package org.kemu.mmgup.mm;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.MemCgroup;

/**
 * The page-table pages of one mm as x86-64 5.14 allocates them with 4-level paging (the P4D is
 * folded; the PGD comes with the mm and is not counted): a PUD page per 512 GiB, a PMD page per
 * 1 GiB and a PTE page per 2 MiB of address space that a fault touched. Which a fault needs:
 * {@code __handle_mm_fault} takes {@code pud_alloc} and {@code pmd_alloc}; a 4 KiB fault then
 * {@code pte_alloc} ({@code __pte_alloc}), a THP fault its deposited table
 * ({@code pte_alloc_one} in {@code __do_huge_pmd_anonymous_page}, the same one PTE page per 2 MiB
 * once split); a 2 MiB hugetlb fault stops at the PMD page and a 1 GiB one at the PUD page
 * ({@code huge_pte_alloc}; kemu's hugetlb mappings are private, so no PMD sharing).
 *
 * <p>Each page remembers the group its allocation charged ({@link MemcgCharge#kmemTarget}), so
 * freeing it ({@code free_pgtables} at munmap, {@code exit_mmap}) uncharges that group. Faults run
 * under the mmap read lock; two that need the same missing table both allocate and the one that
 * installs second frees its page again, as {@code pmd_populate} under the PMD lock lets one win.
 * Frees run under the mmap write lock. This is accounting only: allocating a table costs no
 * emulated time, as before (the per-fault costs of the profile already cover the fault path).
 */
final class PgTables {
    static final int PTE = 0;
    static final int PMD = 1;
    static final int PUD = 2;
    /** log2 of the address span one table page of each level maps. */
    private static final int[] SPAN_SHIFT = {21, 30, 39};
    /** The allocators' fail-nth points, reached when the allocation charges a group. */
    static final String[] FAIL_CHARGE = {"pte_alloc_one:memcg_kmem_charge", "pmd_alloc_one:memcg_kmem_charge",
        "pud_alloc_one:memcg_kmem_charge"};
    private static final long PAGE = 4096;

    /** Table page (level, index) to the group it charged; the root stands for none. */
    private final ConcurrentHashMap<Long, MemCgroup> pages = new ConcurrentHashMap<>();
    /**
     * Per level, the key of a table page known to be present (-1: none). Consecutive faults mostly
     * need the tables the previous one needed (a 2 MiB PTE page serves 512 4 KiB faults), so this
     * spares the map probe per fault. Faults hold the mmap lock for read and frees hold it for write,
     * so a key seen present stays present until a free, which clears these.
     */
    private final AtomicLongArray present = new AtomicLongArray(new long[] {-1, -1, -1});

    private static long key(int level, long addr) {
        return ((long) level << 60) | (addr >>> SPAN_SHIFT[level]);
    }

    /** The tables a fault at {@code addr} needs, from the PUD page down to {@code lowest}; ENOMEM leaves those made so far. */
    void alloc(Kernel kernel, long addr, int lowest) {
        for (int level = PUD; level >= lowest; level--) {
            long k = key(level, addr);
            if (present.get(level) == k) {
                continue;
            }
            if (!pages.containsKey(k)) {
                allocOne(kernel, level, k);
            }
            present.set(level, k);
        }
    }

    private void allocOne(Kernel kernel, int level, long k) {
        MemCgroup cg = MemcgCharge.kmemTarget(kernel);
        if (cg != null) {
            KernelException.require(!FailNth.shouldFail(kernel, FAIL_CHARGE[level]), Errno.ENOMEM, FAIL_CHARGE[level],
                    "fail-nth: page-table page charge");
            cg.charge(1);
        } else {
            cg = MemCgroup.ROOT;
        }
        if (pages.putIfAbsent(k, cg) != null && !cg.isRoot()) {
            cg.uncharge(1); // another fault installed this table first: ours is freed (pte_free)
        }
    }

    /**
     * {@code free_pgtables()} after {@code [start, end)} was unmapped: frees every table page whose
     * span meets the range and no VMA left in {@code mm} (the floor/ceiling of the neighbours keeps
     * shared ones). The caller holds the mmap lock for write.
     */
    void freeUnmapped(MmStructImpl mm, long start, long end) {
        if (pages.isEmpty() || end <= start) {
            return;
        }
        forgetPresent();
        for (int level = PTE; level <= PUD; level++) {
            int sh = SPAN_SHIFT[level];
            long first = start >>> sh;
            long last = (end - 1) >>> sh;
            if (last - first >= pages.size()) {
                // a range wider than the tables there are: look at each table once instead
                for (Long k : java.util.List.copyOf(pages.keySet())) {
                    long i = k & ((1L << 60) - 1);
                    if ((k >>> 60) == level && i >= first && i <= last) {
                        freeIfUnused(mm, k, i << sh, (i + 1) << sh);
                    }
                }
                continue;
            }
            for (long i = first; i <= last; i++) {
                freeIfUnused(mm, ((long) level << 60) | i, i << sh, (i + 1) << sh);
            }
        }
    }

    private void freeIfUnused(MmStructImpl mm, long k, long from, long to) {
        MemCgroup cg = pages.get(k);
        if (cg != null && !anyVma(mm, from, to)) {
            pages.remove(k);
            if (!cg.isRoot()) {
                cg.uncharge(1);
            }
        }
    }

    private static boolean anyVma(MmStructImpl mm, long from, long to) {
        Map.Entry<Long, VmaImpl> e = mm.vmas.lowerEntry(to);
        return e != null && e.getValue().end > from;
    }

    /** {@code exit_mmap()}'s {@code free_pgtables} over the whole address space. */
    void freeAll() {
        forgetPresent();
        for (MemCgroup cg : pages.values()) {
            if (!cg.isRoot()) {
                cg.uncharge(1);
            }
        }
        pages.clear();
    }

    private void forgetPresent() {
        for (int level = PTE; level <= PUD; level++) {
            present.set(level, -1);
        }
    }

    /** {@code mm_pgtables_bytes()}. */
    long bytes() {
        return pages.size() * PAGE;
    }

    /** Table pages per group they charged (uncharged ones left out). */
    Map<MemCgroup, Long> charges() {
        Map<MemCgroup, Long> out = new HashMap<>();
        for (MemCgroup cg : pages.values()) {
            if (!cg.isRoot()) {
                out.merge(cg, 1L, Long::sum);
            }
        }
        return out;
    }
}
