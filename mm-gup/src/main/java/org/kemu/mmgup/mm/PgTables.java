package org.kemu.mmgup.mm;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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

    /**
     * Which table pages exist: per level and group of 512 neighbouring tables, a 512-bit set. A
     * terabyte of 4 KiB-mapped guest has half a million PTE pages, which a map of boxed keys held at
     * about 60 bytes each; the sets take an eighth of a byte.
     */
    private final ConcurrentHashMap<Long, AtomicLongArray> present = new ConcurrentHashMap<>();
    /** The tables whose allocation charged a group other than the root, to the group. */
    private final ConcurrentHashMap<Long, MemCgroup> charged = new ConcurrentHashMap<>();
    private final AtomicLong nrTables = new AtomicLong();
    /**
     * Per level, the key of a table page known to be present (-1: none). Consecutive faults mostly
     * need the tables the previous one needed (a 2 MiB PTE page serves 512 4 KiB faults), so this
     * spares the set probe per fault. Faults hold the mmap lock for read and frees hold it for write,
     * so a key seen present stays present until a free, which clears these.
     */
    private final AtomicLongArray lastSeen = new AtomicLongArray(new long[] {-1, -1, -1});

    private static long key(int level, long addr) {
        return ((long) level << 60) | (addr >>> SPAN_SHIFT[level]);
    }

    private static int level(long k) {
        return (int) (k >>> 60);
    }

    private static long index(long k) {
        return k & ((1L << 60) - 1);
    }

    private boolean isPresent(long k) {
        AtomicLongArray bits = present.get(k >>> 9);
        return bits != null && (bits.get((int) (k >>> 6) & 7) & (1L << k)) != 0;
    }

    /** Marks table {@code k} present; false when it already was (another fault installed it first). */
    private boolean install(long k) {
        AtomicLongArray bits = present.get(k >>> 9);
        if (bits == null) {
            bits = present.computeIfAbsent(k >>> 9, g -> new AtomicLongArray(8));
        }
        int w = (int) (k >>> 6) & 7;
        long bit = 1L << k;
        long old = bits.getAndUpdate(w, v -> v | bit);
        if ((old & bit) != 0) {
            return false;
        }
        nrTables.incrementAndGet();
        return true;
    }

    /** Clears table {@code k} (the caller holds the mmap lock for write); false when it was absent. */
    private boolean uninstall(long k) {
        AtomicLongArray bits = present.get(k >>> 9);
        int w = (int) (k >>> 6) & 7;
        if (bits == null || (bits.get(w) & (1L << k)) == 0) {
            return false;
        }
        bits.set(w, bits.get(w) & ~(1L << k));
        nrTables.decrementAndGet();
        boolean empty = true;
        for (int i = 0; i < 8 && empty; i++) {
            empty = bits.get(i) == 0;
        }
        if (empty) {
            present.remove(k >>> 9); // a long run of maps and unmaps leaves no empty sets behind
        }
        return true;
    }

    /** The tables a fault at {@code addr} needs, from the PUD page down to {@code lowest}; ENOMEM leaves those made so far. */
    void alloc(Kernel kernel, long addr, int lowest) {
        for (int level = PUD; level >= lowest; level--) {
            long k = key(level, addr);
            if (lastSeen.get(level) == k) {
                continue;
            }
            if (!isPresent(k)) {
                allocOne(kernel, level, k);
            }
            lastSeen.set(level, k);
        }
    }

    private void allocOne(Kernel kernel, int level, long k) {
        MemCgroup cg = MemcgCharge.kmemTarget(kernel);
        if (cg != null) {
            KernelException.require(!FailNth.shouldFail(kernel, FAIL_CHARGE[level]), Errno.ENOMEM, FAIL_CHARGE[level],
                    "fail-nth: page-table page charge");
            cg.charge(1);
        }
        if (!install(k)) {
            if (cg != null) {
                cg.uncharge(1); // another fault installed this table first: ours is freed (pte_free)
            }
        } else if (cg != null && !cg.isRoot()) {
            charged.put(k, cg);
        }
    }

    /**
     * {@code free_pgtables()} after {@code [start, end)} was unmapped: frees every table page whose
     * span meets the range and no VMA left in {@code mm} (the floor/ceiling of the neighbours keeps
     * shared ones). The caller holds the mmap lock for write.
     */
    void freeUnmapped(MmStructImpl mm, long start, long end) {
        if (nrTables.get() == 0 || end <= start) {
            return;
        }
        forgetPresent();
        for (int level = PTE; level <= PUD; level++) {
            int sh = SPAN_SHIFT[level];
            long first = start >>> sh;
            long last = (end - 1) >>> sh;
            if (last - first >= nrTables.get()) {
                // a range wider than the tables there are: look at each table once instead
                for (long k : presentKeys()) {
                    long i = index(k);
                    if (level(k) == level && i >= first && i <= last) {
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

    /** Every present table's key, in no particular order (a copy: the caller frees while it walks). */
    private long[] presentKeys() {
        long[] out = new long[(int) nrTables.get()];
        int n = 0;
        for (var e : present.entrySet()) {
            long base = e.getKey() << 9;
            AtomicLongArray bits = e.getValue();
            for (int w = 0; w < 8; w++) {
                long v = bits.get(w);
                while (v != 0 && n < out.length) {
                    out[n++] = base + (w << 6) + Long.numberOfTrailingZeros(v);
                    v &= v - 1;
                }
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    private void freeIfUnused(MmStructImpl mm, long k, long from, long to) {
        if (isPresent(k) && !anyVma(mm, from, to)) {
            uninstall(k);
            MemCgroup cg = charged.remove(k);
            if (cg != null) {
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
        for (MemCgroup cg : charged.values()) {
            cg.uncharge(1);
        }
        charged.clear();
        present.clear();
        nrTables.set(0);
    }

    private void forgetPresent() {
        for (int level = PTE; level <= PUD; level++) {
            lastSeen.set(level, -1);
        }
    }

    /** {@code mm_pgtables_bytes()}. */
    long bytes() {
        return nrTables.get() * PAGE;
    }

    /** Table pages per group they charged (uncharged ones left out). */
    Map<MemCgroup, Long> charges() {
        Map<MemCgroup, Long> out = new HashMap<>();
        for (MemCgroup cg : charged.values()) {
            out.merge(cg, 1L, Long::sum);
        }
        return out;
    }
}
