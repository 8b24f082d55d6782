package org.kemu.mmgup.mm;

import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.MemCgroup;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskMemory;

/**
 * Who pays for a fault's memory (5.14 mm/memcontrol.c). Two rules, and padata helpers are where they
 * part:
 * <ul>
 * <li>user pages: {@code mem_cgroup_charge(page, vma->vm_mm, gfp)} charges the group of the mm's
 *     owner ({@code get_mem_cgroup_from_mm}), whoever faults: a helper pinning qemu's memory charges
 *     qemu's group. Hugetlb pages are never charged here (they belong to the hugetlb cgroup).
 * <li>page-table pages: allocated with {@code GFP_PGTABLE_USER} (= {@code GFP_KERNEL | __GFP_ZERO |
 *     __GFP_ACCOUNT}), so {@code __alloc_pages} calls {@code __memcg_kmem_charge_page}, which charges
 *     {@code get_obj_cgroup_from_current()}: the task's {@code active_memcg} if set, else, after
 *     {@code memcg_kmem_bypass()} (no mm, or PF_KTHREAD: nothing is charged), the current task's own
 *     group ({@code mem_cgroup_from_task(current)}). A padata helper is a kthread: its page tables
 *     charge no group unless the job set its active memcg (padata's ACTIVE_MEMCG switch).
 * </ul>
 * A charge over {@code memory.max} fails with ENOMEM ({@link MemCgroup#charge}): the fault returns
 * VM_FAULT_OOM and GUP -ENOMEM. Fail-nth points exist only where a group is charged (the root and
 * uncharged allocations have no charge that could fail), so runs without a memcg reach none of them.
 */
final class MemcgCharge {
    /** Fail-nth point of the user-page charge of a fault. */
    static final String FAIL_CHARGE = "mem_cgroup_charge:try_charge";

    private MemcgCharge() {
    }

    /**
     * The group {@code __memcg_kmem_charge_page} charges for the current task, or {@code null} when
     * it charges none ({@code memcg_kmem_bypass}, or the root, which {@code get_obj_cgroup_from_current}
     * stops before).
     */
    static MemCgroup kmemTarget(Kernel kernel) {
        if (!kernel.inTask()) {
            return null;
        }
        Task t = kernel.current();
        TaskMemory tm = t.attachment(TaskMemory.class);
        MemCgroup cg;
        if (tm != null && tm.activeMemcg() != null) {
            // "Allow remote memcg charging from any context"
            cg = tm.activeMemcg();
        } else {
            MmStruct own = t.attachment(MmStruct.class);
            if (t.isKthread() || own == null) {
                return null;
            }
            // a user task's own group; one nobody placed is in its process's, the mm owner's
            cg = tm != null && !tm.memcg().isRoot() ? tm.memcg() : own.memcg();
        }
        return cg.isRoot() ? null : cg;
    }

    /**
     * {@code mem_cgroup_charge()} of the {@code n} folios at {@code heads[0..n)}, {@code nrPages}
     * pages each, to the mm owner's group; ENOMEM (nothing charged) when it would pass a memory.max.
     * The caller frees the folios on failure; once charged, freeing a folio uncharges it.
     */
    static void chargeUser(Kernel kernel, PhysicalMemoryImpl pm, MmStruct mm, long[] heads, int n, int nrPages) {
        MemCgroup cg = mm.memcg();
        if (cg.isRoot() || n == 0) {
            return;
        }
        KernelException.require(!FailNth.shouldFail(kernel, FAIL_CHARGE), Errno.ENOMEM, FAIL_CHARGE,
                "fail-nth: memcg charge of user pages");
        cg.charge((long) n * nrPages);
        pm.meta().lock();
        try {
            for (int i = 0; i < n; i++) {
                pm.refs().memcg().commitLocked(heads[i], nrPages, cg);
            }
        } finally {
            pm.meta().unlock();
        }
    }
}
