package org.kemu.mmgup.mm;

import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.Zone;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * Long-term pins out of ZONE_MOVABLE (mm/gup.c {@code check_and_migrate_movable_pages}, with the
 * copy of mm/migrate.c {@code migrate_pages}): before FOLL_LONGTERM pins pages, those in the
 * movable zone are replaced by fresh ZONE_NORMAL pages, their contents copied.
 */
public record MigrateMovable(Kernel kernel, PhysicalMemoryImpl pm, UserPages userPages) {
    private static final long PAGE = MmConstants.PAGE_SIZE;

    /**
     * FOLL_LONGTERM: migrates the pages of {@code [va, va + n)} that sit in ZONE_MOVABLE to
     * ZONE_NORMAL (check_and_migrate_movable_pages). A page with references beyond its mapping
     * (already pinned) cannot move: ENOMEM, as migrate_pages() failing makes it.
     */
    public void migrateMovable(MmStruct mmApi, VmaImpl v, long va, int n) {
        if (v.kind.isHugetlb()) {
            return;
        }
        MmStructImpl mm = (MmStructImpl) mmApi;
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        long slotStart = (pt.firstSlot + s) << pt.slotShift;
        long b = pt.base[s];
        if (b != PageTable.NONE && pm.folioOrder(b) > 0) {
            if (pm.zoneOf(b) != Zone.MOVABLE) {
                return;
            }
            migrateThp(mm, pt, s, slotStart, b);
            return;
        }
        long[] cur = new long[n];
        PageWalk.readPfns(v, va, n, cur, 0);
        int o = PageTable.pteIndex(va);
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (pm.zoneOf(cur[i]) == Zone.MOVABLE) {
                if (pm.folioOrder(cur[i]) != 0 || pm.refcount(cur[i]) != 1) {
                    pm.events().countMigrations(0, 1);
                    throw new KernelException(Errno.ENOMEM, "migrate_pages:busy",
                            "page " + cur[i] + " has extra references and cannot migrate");
                }
                k++;
            }
        }
        if (k == 0) {
            return;
        }
        int nid = pm.nodeOf(cur[0]);
        long[] fresh = new long[k];
        userPages.allocSmall(nid, false, fresh, "mm:alloc_migration_target");
        userPages.clear(fresh, k, pm.costs().migratePageNs());
        // The copy reads the old page and writes the new one: twice the bytes.
        kernel.work(0, nid, k * PAGE);
        long[] old = new long[k];
        SpinLock ptl = mm.pteLock(slotStart); // remove_migration_pte: the PTE page's lock
        ptl.lock();
        try {
            int[] q = pt.ensurePtes(s);
            int j = 0;
            for (int i = 0; i < n; i++) {
                if (pm.zoneOf(cur[i]) == Zone.MOVABLE) {
                    old[j] = cur[i];
                    q[o + i] = (int) (fresh[j] + 1);
                    j++;
                }
            }
            if (slotStart >= v.start && slotStart + MmConstants.PMD_SIZE <= v.end) {
                pt.compact(s, pm);
            }
        } finally {
            ptl.unlock();
        }
        pm.meta().lock();
        try {
            for (int j = 0; j < k; j++) {
                pm.refs().memcg().migrateLocked(old[j], fresh[j]); // mem_cgroup_migrate
            }
            for (long p : old) {
                pm.refs().addRefsLocked(p, 1, -1, 0, 0);
            }
        } finally {
            pm.meta().unlock();
        }
        pm.events().countMigrations(k, 0);
    }

    private void migrateThp(MmStructImpl mm, PageTable pt, int s, long slotStart, long head) {
        if (pm.refcount(head) != 1 || pm.pincount(head) != 0) {
            pm.events().countMigrations(0, MmConstants.PMD_PAGES);
            throw new KernelException(Errno.ENOMEM, "migrate_pages:busy", "THP " + head + " is pinned");
        }
        KernelException.require(!FailNth.shouldFail(kernel, "mm:alloc_migration_target"), Errno.ENOMEM,
                "mm:alloc_migration_target", "fail-nth: migration target");
        int nid = pm.nodeOf(head);
        long fresh;
        pm.meta().lock();
        try {
            fresh = pm.largeFolioAlloc().allocThpLocked(nid, false);
        } finally {
            pm.meta().unlock();
        }
        if (fresh < 0) {
            pm.events().countMigrations(0, MmConstants.PMD_PAGES);
            throw new KernelException(Errno.ENOMEM, "migrate_pages:no_target", "no THP in ZONE_NORMAL");
        }
        kernel.work(MmConstants.PMD_PAGES * pm.costs().migratePageNs(), pm.nodeOf(fresh), 2 * MmConstants.PMD_SIZE);
        SpinLock ptl = mm.pmdLock(slotStart); // remove_migration_pmd: pmd_lock
        ptl.lock();
        try {
            pt.base[s] = fresh;
        } finally {
            ptl.unlock();
        }
        pm.meta().lock();
        try {
            pm.refs().memcg().migrateLocked(head, fresh); // mem_cgroup_migrate
        } finally {
            pm.meta().unlock();
        }
        pm.refs().putFolio(head);
        pm.events().countMigrations(MmConstants.PMD_PAGES, 0);
    }
}
