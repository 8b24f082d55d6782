package org.kemu.vfiotype1;

import java.util.Objects;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MmConstants;

/**
 * How MAP_DMA pins and maps guest memory (docs/kernel/vfio-gup.md sections 1.5-1.6, docs/kernel/padata.md section 3.2 patches 7-8): one knob
 * per choice.
 *
 * @param padataThreads 0: 5.14's {@code vfio_pin_map_dma()} in the calling task; N: patch 7's padata
 *     job over PMD-aligned chunks with {@code max_threads} N ({@code VFIO_MAX_THREADS} = 16), chunk-local
 *     unwind and padata's undo of completed chunks
 * @param lockCachePages per-thread locked_vm cache of patch 8, in pages; 0 = charge per run
 *     (5.14); the patch uses {@value #LOCKED_VM_CACHE_PAGES}
 * @param gup the GUP flavour; {@link GupFlavour#FOLIO_BATCHED} also gives the 2025 run builder
 *     ({@code num_pages_contiguous()} steps, Li Zhe, v6.18) and range unpin
 *     ({@code unpin_user_page_range_dirty_lock()} per run), {@link GupFlavour#PER_PAGE} 5.14's
 *     page-by-page walk and per-page {@code put_pfn()}
 * @param minChunkBytes {@code min_chunk} of the padata job ({@code VFIO_MIN_CHUNK} = 128 MiB)
 * @param batchCapacity GUP batch capacity in pages ({@code VFIO_BATCH_MAX_CAPACITY} = 512); tests
 *     shrink it the way iommufd's fail-nth tests shrink batches with SET_TEMP_MEMORY_LIMIT
 * @param locking how the accounting and GUP take the mmap lock: 5.14's ({@link PinLocking#MMAP_WRITE_ACCT},
 *     the default) or the 2018 ktask stages' atomic locked_vm, with or without the read lock held per run
 */
public record PinConfig(int padataThreads, long lockCachePages, GupFlavour gup, long minChunkBytes,
        int batchCapacity, PinLocking locking) {

    /** {@code VFIO_MAX_THREADS} of patch 7. */
    public static final int VFIO_MAX_THREADS = 16;
    /** {@code VFIO_MIN_CHUNK} of patch 7: 1 << 27 bytes. */
    public static final long VFIO_MIN_CHUNK = 1L << 27;
    /** {@code LOCKED_VM_CACHE_PAGES} of patch 8. */
    public static final long LOCKED_VM_CACHE_PAGES = 65536;

    public PinConfig {
        Objects.requireNonNull(gup, "gup");
        Objects.requireNonNull(locking, "locking");
        if (padataThreads < 0 || minChunkBytes < 0 || lockCachePages < 0 || batchCapacity < 1
                || batchCapacity > VfioUapi.VFIO_BATCH_MAX_CAPACITY) {
            throw new IllegalArgumentException("bad pin config: threads " + padataThreads + ", min_chunk "
                    + minChunkBytes + ", lock cache " + lockCachePages + ", batch " + batchCapacity);
        }
    }

    /** A configuration with 5.14's mmap locking ({@link PinLocking#MMAP_WRITE_ACCT}). */
    public PinConfig(int padataThreads, long lockCachePages, GupFlavour gup, long minChunkBytes, int batchCapacity) {
        this(padataThreads, lockCachePages, gup, minChunkBytes, batchCapacity, PinLocking.MMAP_WRITE_ACCT);
    }

    /** The unmodified 5.14 kernel: one task, per-page GUP, locked_vm charged per run. */
    public static PinConfig serial() {
        return new PinConfig(0, 0, GupFlavour.PER_PAGE, VFIO_MIN_CHUNK, VfioUapi.VFIO_BATCH_MAX_CAPACITY);
    }

    /** Patches 7 and 8: padata with {@code threads} and the 64 Ki-page locked_vm cache. */
    public static PinConfig padata(int threads) {
        return serial().withPadataThreads(threads).withLockCachePages(LOCKED_VM_CACHE_PAGES);
    }

    /** The 2025 single-threaded large-folio batching. */
    public static PinConfig folioBatched() {
        return serial().withGup(GupFlavour.FOLIO_BATCHED);
    }

    public PinConfig withPadataThreads(int n) {
        return new PinConfig(n, lockCachePages, gup, minChunkBytes, batchCapacity, locking);
    }

    public PinConfig withLockCachePages(long p) {
        return new PinConfig(padataThreads, p, gup, minChunkBytes, batchCapacity, locking);
    }

    public PinConfig withGup(GupFlavour g) {
        return new PinConfig(padataThreads, lockCachePages, g, minChunkBytes, batchCapacity, locking);
    }

    public PinConfig withMinChunkBytes(long b) {
        return new PinConfig(padataThreads, lockCachePages, gup, b, batchCapacity, locking);
    }

    public PinConfig withBatchCapacity(int c) {
        return new PinConfig(padataThreads, lockCachePages, gup, minChunkBytes, c, locking);
    }

    /** The same configuration with the mmap locking {@code l}. */
    public PinConfig withLocking(PinLocking l) {
        return new PinConfig(padataThreads, lockCachePages, gup, minChunkBytes, batchCapacity, l);
    }

    /** Whether MAP_DMA runs patch 7's padata job. */
    public boolean usesPadata() {
        return padataThreads > 0;
    }

    /** Whether runs are built and unpinned the 2025 way (folio-batched GUP). */
    public boolean folioBatchedRuns() {
        return gup == GupFlavour.FOLIO_BATCHED;
    }

    /** {@code align} of the padata job: PMD_SIZE, "in case THP is being used". */
    public long padataAlign() {
        return MmConstants.PMD_SIZE;
    }

    /**
     * A short label for reports: "serial", "padata-16", "folio-batched", "folio-batched with padata-16";
     * a ktask locking stage adds ", atomic locked_vm" or ", atomic locked_vm, read lock per run".
     */
    public String label() {
        String stage = switch (locking) {
            case MMAP_WRITE_ACCT -> "";
            case ATOMIC_LOCKED_VM -> ", atomic locked_vm";
            case ATOMIC_LOCKED_VM_READ_HELD -> ", atomic locked_vm, read lock per run";
        };
        return baseLabel() + stage;
    }

    private String baseLabel() {
        if (!usesPadata()) {
            return folioBatchedRuns() ? "folio-batched" : "serial";
        }
        return (folioBatchedRuns() ? "folio-batched with padata-" : "padata-") + padataThreads;
    }
}
