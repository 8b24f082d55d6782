package org.kemu.deferredpageinit;

import org.kemu.pluginapi.KernelTasks;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Costs of struct page init, in ns of CPU: {@code __init_single_page} as {@code memmap_init_range}
 * (hotplug) and {@code deferred_init_pages} (boot) run it, and handing MAX_ORDER blocks to the buddy
 * allocator ({@code __free_pages_core}, from {@code deferred_free_pages} or {@code online_pages_range}).
 * The one implementation both the deferred-page-init and memory-hotplug-init plugins charge through.
 *
 * @param structPageNs {@code __init_single_page} per struct page (deferred_init_pages)
 * @param structPageBytes bytes of one struct page written through the node's memory (64 on x86-64)
 * @param freeBlockNs {@code __free_pages_core} per MAX_ORDER block handed to the buddy allocator
 */
public record DeferredInitCosts(long structPageNs, long structPageBytes, long freeBlockNs) {
    public DeferredInitCosts {
        KernelException.require(structPageNs >= 0 && structPageBytes >= 0 && freeBlockNs >= 0, Errno.EINVAL,
                "deferred_init_costs", "negative cost");
    }

    /** The plugin parameters' defaults: round numbers of the right magnitude, not calibrated. */
    public static DeferredInitCosts defaults() {
        return new DeferredInitCosts(15, 64, 400);
    }

    /**
     * The current task initialises {@code structPages} struct pages of node {@code nid} (their bytes
     * written through the node's memory) and frees {@code blocks} MAX_ORDER blocks.
     */
    public void work(KernelTasks k, int nid, long structPages, long blocks) {
        k.work(structPages * structPageNs + blocks * freeBlockNs, nid, structPages * structPageBytes);
    }
}
