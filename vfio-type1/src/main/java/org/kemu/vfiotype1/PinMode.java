package org.kemu.vfiotype1;

/**
 * How MAP_DMA pins and maps guest memory (vfio-gup.md 1.5-1.6, padata.md 3.2 patches 7-8).
 */
public enum PinMode {
    /**
     * 5.14 {@code vfio_pin_map_dma()}: one task, {@code vfio_pin_pages_remote()} walks the batch page
     * by page (per-page bookkeeping cost), 5.14 per-page {@code put_pfn()} on unpin.
     */
    SERIAL,
    /**
     * Patch 7 of the 2022 series: {@code padata_do_multithreaded()} over PMD-aligned chunks of at
     * least 128 MiB, up to 16 threads; chunk-local unwind, padata undoes completed chunks.
     */
    PADATA,
    /**
     * The 2025 single-threaded large-folio batching (Li Zhe, v6.18): {@code num_pages_contiguous()}
     * steps, accounting per contiguous step, one {@code unpin_user_page_range_dirty_lock()} per run.
     */
    FOLIO_BATCHED
}
