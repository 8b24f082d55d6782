package org.kemu.memoryhotpluginit;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kemu.deferredpageinit.DeferredInitCosts;
import org.kemu.mmgup.Zone;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.PluginContext;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Task;

/**
 * {@code online_pages()} of mm/memory_hotplug.c (v5.14) over a {@link HotAddedMemory} range, with
 * {@code move_pfn_range_to_zone()}'s {@code memmap_init_range(MEMINIT_HOTPLUG)} run as a padata job:
 * section-aligned chunks of at least one section ({@code PAGES_PER_SECTION}, 128 MiB on x86-64),
 * {@code max_threads} the CPUs of the node being onlined, as deferred struct page init does at boot
 * (the hotplug user the 2022 series names builds on that one). The job runs from a kthread bound to
 * the node, whose helpers follow its affinity; the onlining task waits for it.
 *
 * <p>Steps, in the kernel's order: the alignment check (EINVAL: the start pageblock aligned and the
 * end section aligned); {@code mem_hotplug_begin}; the zone span grows and the struct pages are
 * initialised (the parallel part); {@code memory_notify(MEM_GOING_ONLINE)}, which a notifier may veto
 * (fail-nth site {@code online_pages:memory_notify}, ENOMEM as {@code notifier_to_errno} of the slab
 * callback's allocation failure); then {@code online_pages_range} hands every MAX_ORDER block to the
 * buddy allocator ({@code generic_online_page} -> {@code __free_pages_core}, serial on the main task)
 * and the sections are marked online. On a veto, {@code MEM_CANCEL_ONLINE} and
 * {@code remove_pfn_range_from_zone()} undo it: the zone span shrinks back and the struct pages are
 * uninitialised again (their poisoning is a no-op without CONFIG_DEBUG_VM, so it costs nothing here).
 */
public final class OnlinePages {
    /** pageblock_order = HUGETLB_PAGE_ORDER = 9 on x86-64: 2 MiB pageblocks. */
    public static final long PAGEBLOCK_NR_PAGES = 1L << 9;

    private final PluginContext ctx;
    private final KernelTasks k;
    private final DeferredInitCosts costs;
    private final Mutex memHotplugLock;
    private final Set<Long> helperTasks = ConcurrentHashMap.newKeySet();

    public OnlinePages(PluginContext ctx, DeferredInitCosts costs) {
        this.ctx = ctx;
        this.k = ctx.tasks();
        this.costs = costs;
        // mem_hotplug_lock is a percpu rwsem taken for write by mem_hotplug_begin; no reader here
        this.memHotplugLock = k.mutex("mem_hotplug_lock");
    }

    /** The node's CPUs (deferred_page_init_max_threads' rule); {@code override} > 0 replaces it. */
    public int maxThreads(int nid, int override) {
        int cpus = k.topology().cpusOfNode(nid).and(k.onlineMask()).weight();
        return override > 0 ? override : Math.max(1, cpus);
    }

    /**
     * {@code online_pages(pfn, nr_pages, zone)} on {@code mem}'s node. EINVAL for a misaligned or
     * empty range, or one not wholly hot-added and offline; the notifier's error when it vetoes,
     * with the struct pages and the zone span as they were.
     */
    public void onlinePages(HotAddedMemory mem, long pfn, long nrPages, Zone zone, int threadsOverride) {
        // "We can only online full sections (e.g., SECTION_IS_ONLINE)"
        KernelException.require(nrPages > 0 && pfn % PAGEBLOCK_NR_PAGES == 0
                && (pfn + nrPages) % HotAddedMemory.PAGES_PER_SECTION == 0, Errno.EINVAL, "online_pages:align",
                "range [" + pfn + ", +" + nrPages + ") not pageblock/section aligned");
        KernelException.require(mem.isOfflineRange(pfn, nrPages), Errno.EINVAL, "online_pages:range",
                "range not hot-added or already online");
        memHotplugLock.lock();
        try {
            int nid = mem.nid();
            mem.growZoneSpan(zone, pfn, nrPages);
            memmapInitRange(mem, pfn, nrPages, zone, maxThreads(nid, threadsOverride));
            if (k.shouldFail("online_pages:memory_notify")) {
                // failed_addition: MEM_CANCEL_ONLINE, remove_pfn_range_from_zone
                mem.uninit(pfn, nrPages);
                mem.shrinkZoneSpan(pfn, nrPages);
                throw new KernelException(Errno.ENOMEM, "online_pages:memory_notify",
                        "MEM_GOING_ONLINE vetoed; struct pages and zone span undone");
            }
            // online_pages_range: every MAX_ORDER block to the buddy allocator
            long blocks = (nrPages + HotAddedMemory.MAX_ORDER_NR_PAGES - 1) / HotAddedMemory.MAX_ORDER_NR_PAGES;
            costs.work(k, nid, 0, blocks);
            mem.markOnline(pfn, nrPages, blocks);
        } finally {
            memHotplugLock.unlock();
        }
    }

    /** memmap_init_range over padata, from a kthread bound to the node (the onlining task waits). */
    private void memmapInitRange(HotAddedMemory mem, long pfn, long nrPages, Zone zone, int maxThreads) {
        int nid = mem.nid();
        Padata padata = ctx.padata(ctx.padata().features().withKthreadHelpers(true).withFollowMainAffinity(true));
        Runnable job = () -> padata.doMultithreaded(PadataMtJob.<HotAddedMemory>builder((s, e, m) -> {
            helperTasks.add(k.current().id());
            initChunk(m, s, e, zone);
            return 0;
        }).arg(mem).start(pfn).size(nrPages).align(HotAddedMemory.PAGES_PER_SECTION)
                .minChunk(HotAddedMemory.PAGES_PER_SECTION).maxThreads(maxThreads)
                .lockdepName("memmap_init_range").build());
        if (k.topology().cpusOfNode(nid).and(k.onlineMask()).weight() == 0) {
            job.run();
            return;
        }
        Task t = k.kthreadCreate("memhp_init" + nid, job::run);
        k.kthreadBindMask(t, k.topology().cpusOfNode(nid));
        k.wakeUpProcess(t);
        k.join(t);
    }

    /** __init_single_page of each pfn in [spfn, epfn), section by section (MEMINIT_HOTPLUG also sets PG_reserved). */
    private void initChunk(HotAddedMemory mem, long spfn, long epfn, Zone zone) {
        long pfn = spfn;
        while (pfn < epfn) {
            long sectionEnd = Math.min(epfn, (pfn / HotAddedMemory.PAGES_PER_SECTION + 1)
                    * HotAddedMemory.PAGES_PER_SECTION);
            long n = sectionEnd - pfn;
            costs.work(k, mem.nid(), n, 0);
            mem.initialised(pfn, n, zone);
            pfn = sectionEnd;
            k.condResched();
        }
    }

    /** Distinct tasks that ran chunks. */
    public int tasksUsed() {
        return helperTasks.size();
    }
}
