package org.kemu.mmgup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Invariant checks over memory state, for tests after every scenario and for researchers' own
 * experiments (DESIGN section 5). Each returns the violations it found, empty when all holds; use
 * {@link #assertNone} to turn them into an exception.
 */
public final class MmInvariants {
    private MmInvariants() {
    }

    /**
     * Pins held in memory equal {@code nr_foll_pin_acquired - nr_foll_pin_released}: every pin taken
     * was either released or is still visible on its page.
     */
    public static List<String> checkPinsBalanced(PhysicalMemory pm) {
        List<String> v = new ArrayList<>();
        Vmstat s = pm.vmstat();
        long held = pm.pinnedPages();
        if (held != s.nrFollPinAcquired() - s.nrFollPinReleased()) {
            v.add("pins unbalanced: memory holds " + held + " pins but nr_foll_pin_acquired - released = "
                    + (s.nrFollPinAcquired() - s.nrFollPinReleased()));
        }
        return v;
    }

    /**
     * No page holds a pin any more (MD_CHECK_REFS with 0 expected), and every pin acquired was
     * released: run after a scenario has unpinned and unmapped everything to catch leaked pins.
     */
    public static List<String> checkNoPins(PhysicalMemory pm) {
        List<String> v = new ArrayList<>(checkPinsBalanced(pm));
        long[] pinned = pm.pinnedPfns(16);
        if (pinned.length > 0) {
            v.add("leaked pins: " + pm.pinnedPages() + " pinned pages remain, first pfns "
                    + Arrays.toString(pinned));
        }
        Vmstat s = pm.vmstat();
        if (s.nrFollPinAcquired() != s.nrFollPinReleased()) {
            v.add("nr_foll_pin_acquired " + s.nrFollPinAcquired() + " != nr_foll_pin_released "
                    + s.nrFollPinReleased());
        }
        return v;
    }

    /**
     * The pin counts in memory are exactly the pins the caller says it holds: {@code pinsByPfn} maps
     * each pinned 4 KiB page to how many pins the caller holds on it. Large folios are compared per
     * folio (their exact pin count is the sum over their pages), and nothing else may be pinned.
     */
    public static List<String> checkPinsHeld(PhysicalMemory pm, SortedMap<Long, Integer> pinsByPfn) {
        List<String> v = new ArrayList<>();
        TreeMap<Long, Long> perFolio = new TreeMap<>();
        long total = 0;
        for (Map.Entry<Long, Integer> e : pinsByPfn.entrySet()) {
            long pfn = e.getKey();
            total += e.getValue();
            if (pm.folioOrder(pfn) > 0) {
                perFolio.merge(pm.folioHead(pfn), (long) e.getValue(), Long::sum);
            } else if (pm.pincount(pfn) != e.getValue()) {
                v.add("pfn " + pfn + ": refcount " + pm.refcount(pfn) + " gives " + pm.pincount(pfn)
                        + " pins, caller holds " + e.getValue());
            }
        }
        for (Map.Entry<Long, Long> e : perFolio.entrySet()) {
            if (pm.pincount(e.getKey()) != e.getValue()) {
                v.add("folio " + e.getKey() + " (order " + pm.folioOrder(e.getKey()) + "): pincount "
                        + pm.pincount(e.getKey()) + ", caller holds " + e.getValue());
            }
            if (pm.refcount(e.getKey()) < e.getValue()) {
                v.add("folio " + e.getKey() + ": refcount " + pm.refcount(e.getKey()) + " below its pins");
            }
        }
        if (pm.pinnedPages() != total) {
            v.add("memory holds " + pm.pinnedPages() + " pins, caller holds " + total);
        }
        return v;
    }

    /**
     * {@code mm->locked_vm} equals what was charged through {@code acct} and what the caller expects
     * to be charged (e.g. the sum of VFIO's {@code dma->locked_vm}).
     */
    public static List<String> checkLockedVm(LockedVm acct, MmStruct mm, long expectedPages) {
        List<String> v = new ArrayList<>();
        if (mm.lockedVm() != acct.charged(mm)) {
            v.add(mm.name() + ": locked_vm " + mm.lockedVm() + " != net charges " + acct.charged(mm));
        }
        if (mm.lockedVm() != expectedPages) {
            v.add(mm.name() + ": locked_vm " + mm.lockedVm() + " != expected " + expectedPages);
        }
        if (mm.lockedVm() < 0) {
            v.add(mm.name() + ": negative locked_vm");
        }
        return v;
    }

    /**
     * The hugetlb pool accounting of each hstate (2 MiB and 1 GiB), as mm/hugetlb.c keeps it:
     * {@code resv_huge_pages} equals the reservations the live hugetlb mappings still hold (the sum
     * over their VMAs of pages minus {@code region_count()} of their reserve map, what
     * {@code hugetlb_vm_op_close()} would give back) plus those taken directly through
     * {@link PhysicalMemory#hugetlbReservePages}; the free pages cover the reservations
     * ({@code free_huge_pages >= resv_huge_pages}, which {@code hugetlb_acct_memory()} and
     * {@code set_max_huge_pages()} keep); each node's free pages lie within its {@code nr_hugepages};
     * nothing is negative. kemu has no surplus pages (no overcommit), so the pool total is the sum of
     * the nodes' {@code nr_hugepages}. Run when no task is inside mm-gup (between operations).
     */
    public static List<String> checkHugetlbReservations(PhysicalMemory pm) {
        List<String> v = new ArrayList<>();
        for (int order : new int[] {MmConstants.PMD_ORDER, MmConstants.PUD_ORDER}) {
            String h = "hugetlb order " + order + ": ";
            long free = 0;
            long total = 0;
            for (int n = 0; n < pm.nrNodes(); n++) {
                long nr = pm.nrHugepages(n, order);
                long f = pm.freeHugepages(n, order);
                free += f;
                total += nr;
                if (nr < 0 || f < 0 || f > nr) {
                    v.add(h + "node " + n + " free_hugepages " + f + " outside [0, nr_hugepages " + nr + "]");
                }
            }
            long resv = pm.resvHugepages(order);
            long byMappings = pm.hugetlbReservedByMappings(order);
            long direct = pm.hugetlbDirectReservations(order);
            if (resv < 0 || byMappings < 0 || direct < 0) {
                v.add(h + "negative reservations: resv " + resv + ", mappings " + byMappings + ", direct " + direct);
            }
            if (resv != byMappings + direct) {
                v.add(h + "resv_hugepages " + resv + " != " + byMappings
                        + " reserved-but-unfaulted pages of live mappings + " + direct + " direct reservations");
            }
            if (resv > free) {
                v.add(h + "resv_hugepages " + resv + " > free_hugepages " + free + " (of " + total + ")");
            }
        }
        return v;
    }

    /**
     * Every memory cgroup's {@code memory.current} is exactly what is charged to it and its
     * descendants: the user pages whose faults charged it ({@link PhysicalMemory#memcgUserCharges})
     * plus the page-table pages of {@code mms} whose allocation charged it
     * ({@link MmStruct#pgtableCharges}). Checks each group those name, each mm's own group, and their
     * ancestors; run when no task is inside mm-gup. A charge that outlived its page, or a page whose
     * free forgot its uncharge, shows here.
     */
    public static List<String> checkMemcgCharges(PhysicalMemory pm, java.util.Collection<? extends MmStruct> mms) {
        Map<org.kemu.schedfair.MemCgroup, Long> expected = new java.util.LinkedHashMap<>();
        Map<org.kemu.schedfair.MemCgroup, Long> pagetables = new java.util.HashMap<>();
        for (MmStruct mm : mms) {
            addUp(expected, mm.memcg(), 0);
            for (Map.Entry<org.kemu.schedfair.MemCgroup, Long> e : mm.pgtableCharges().entrySet()) {
                addUp(expected, e.getKey(), e.getValue());
                addUp(pagetables, e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<org.kemu.schedfair.MemCgroup, Long> e : pm.memcgUserCharges().entrySet()) {
            addUp(expected, e.getKey(), e.getValue());
        }
        List<String> v = new ArrayList<>();
        for (Map.Entry<org.kemu.schedfair.MemCgroup, Long> e : expected.entrySet()) {
            org.kemu.schedfair.MemCgroup cg = e.getKey();
            if (cg.current() != e.getValue()) {
                v.add(cg + ": memory.current " + cg.current() + " != " + e.getValue() + " charged pages ("
                        + pagetables.getOrDefault(cg, 0L) + " of them page tables)");
            }
        }
        return v;
    }

    /** Adds {@code n} to {@code cg} and each non-root ancestor. */
    private static void addUp(Map<org.kemu.schedfair.MemCgroup, Long> m, org.kemu.schedfair.MemCgroup cg, long n) {
        for (org.kemu.schedfair.MemCgroup c = cg; c != null && !c.isRoot(); c = c.parent()) {
            m.merge(c, n, Long::sum);
        }
    }

    /** Throws {@link IllegalStateException} listing the violations, if any. */
    public static void assertNone(List<String> violations) {
        if (!violations.isEmpty()) {
            throw new IllegalStateException("mm invariants violated: " + String.join("; ", violations));
        }
    }
}
