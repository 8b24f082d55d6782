package org.kemu.deferredpageinit;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Costs of deferred struct page init, in ns of CPU.
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
}
