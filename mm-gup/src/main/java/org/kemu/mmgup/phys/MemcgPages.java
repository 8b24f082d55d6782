package org.kemu.mmgup.phys;

import java.util.HashMap;
import java.util.Map;
import org.kemu.schedfair.MemCgroup;

/**
 * {@code page->memcg_data} of user pages charged to a memory cgroup (5.14 mm/memcontrol.c
 * {@code commit_charge}): which group each charged small page or THP head pays, so that freeing the
 * page ({@code __put_page -> mem_cgroup_uncharge}, here the last reference in {@link FolioRefs})
 * uncharges that group, and migration ({@code mem_cgroup_migrate}) moves the charge to the new page.
 *
 * <p>Only pages charged to a non-root group are recorded: the root is never charged (5.14
 * {@code try_charge} returns at once for it), so runs without a memcg keep nothing here and pay
 * one emptiness check per freed page. Guarded by the memory metadata lock, which every free holds.
 */
public final class MemcgPages {
    /** Charged folio head (small page or THP) to its group and its size in pages. */
    private final HashMap<Long, Charge> charged = new HashMap<>();

    private record Charge(MemCgroup memcg, int nrPages) {
    }

    MemcgPages() {
    }

    /** {@code commit_charge()}: folio {@code head} of {@code nrPages} pages now pays {@code memcg}. */
    public void commitLocked(long head, int nrPages, MemCgroup memcg) {
        if (!memcg.isRoot()) {
            charged.put(head, new Charge(memcg, nrPages));
        }
    }

    /** {@code mem_cgroup_uncharge()} of the folio at {@code head} being freed, if it was charged. */
    void uncharge(long head) {
        if (charged.isEmpty()) {
            return;
        }
        Charge c = charged.remove(head);
        if (c != null) {
            c.memcg().uncharge(c.nrPages());
        }
    }

    /** {@code mem_cgroup_migrate(old, new)}: the charge of {@code oldHead} passes to {@code newHead}. */
    public void migrateLocked(long oldHead, long newHead) {
        if (charged.isEmpty()) {
            return;
        }
        Charge c = charged.remove(oldHead);
        if (c != null) {
            charged.put(newHead, c);
        }
    }

    /** Pages charged per group (each group alone, not its ancestors), for the invariant checker. */
    public Map<MemCgroup, Long> byMemcgLocked() {
        Map<MemCgroup, Long> out = new HashMap<>();
        for (Charge c : charged.values()) {
            out.merge(c.memcg(), (long) c.nrPages(), Long::sum);
        }
        return out;
    }
}
