package org.kemu.vfiotype1;

import java.util.Objects;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.GupFlavour;

/**
 * How the pin path of a container pins.
 *
 * @param mode serial, padata or folio-batched ({@link PinMode})
 * @param padataThreads {@code max_threads} of the padata job ({@code VFIO_MAX_THREADS} = 16)
 * @param minChunkBytes {@code min_chunk} of the padata job ({@code VFIO_MIN_CHUNK} = 128 MiB)
 * @param lockCachePages per-thread locked_vm cache of patch 8, in pages; 0 = charge per run
 *     (5.14); the patch uses {@value #LOCKED_VM_CACHE_PAGES}
 * @param folioBatchedRuns build runs with {@code num_pages_contiguous()} steps and unpin by range
 *     (the 2025 change); always on for {@link PinMode#FOLIO_BATCHED}, and with {@link PinMode#PADATA}
 *     it gives "folio-batched with padata"
 * @param batchCapacity GUP batch capacity in pages ({@code VFIO_BATCH_MAX_CAPACITY} = 512); tests
 *     shrink it the way iommufd's fail-nth tests shrink batches with SET_TEMP_MEMORY_LIMIT
 * @param gupImpl the GUP implementation the pin path uses, or null for the one of the mm-gup
 *     services handed to the container
 * @param gupCosts costs of that GUP implementation when {@code gupImpl} is given (null: defaults)
 */
public record PinConfig(PinMode mode, int padataThreads, long minChunkBytes, long lockCachePages,
        boolean folioBatchedRuns, int batchCapacity, GupFlavour gupImpl, GupCosts gupCosts) {

    /** {@code VFIO_MAX_THREADS} of patch 7. */
    public static final int VFIO_MAX_THREADS = 16;
    /** {@code VFIO_MIN_CHUNK} of patch 7: 1 << 27 bytes. */
    public static final long VFIO_MIN_CHUNK = 1L << 27;
    /** {@code LOCKED_VM_CACHE_PAGES} of patch 8. */
    public static final long LOCKED_VM_CACHE_PAGES = 65536;

    public PinConfig {
        Objects.requireNonNull(mode, "mode");
        if (padataThreads < 1 || minChunkBytes < 0 || lockCachePages < 0 || batchCapacity < 1
                || batchCapacity > VfioUapi.VFIO_BATCH_MAX_CAPACITY) {
            throw new IllegalArgumentException("bad pin config: threads " + padataThreads + ", min_chunk "
                    + minChunkBytes + ", lock cache " + lockCachePages + ", batch " + batchCapacity);
        }
        if (mode == PinMode.FOLIO_BATCHED) {
            folioBatchedRuns = true;
        }
    }

    /** {@code mode} with the kernel's constants, no locked_vm cache, the services' GUP. */
    public static PinConfig of(PinMode mode) {
        return new PinConfig(mode, VFIO_MAX_THREADS, VFIO_MIN_CHUNK, 0, mode == PinMode.FOLIO_BATCHED,
                VfioUapi.VFIO_BATCH_MAX_CAPACITY, null, null);
    }

    public static PinConfig serial() {
        return of(PinMode.SERIAL);
    }

    /** Patches 7 and 8: padata with {@code threads} and the 64 Ki-page locked_vm cache. */
    public static PinConfig padata(int threads) {
        return of(PinMode.PADATA).withPadataThreads(threads).withLockCachePages(LOCKED_VM_CACHE_PAGES);
    }

    public static PinConfig folioBatched() {
        return of(PinMode.FOLIO_BATCHED);
    }

    public PinConfig withPadataThreads(int n) {
        return new PinConfig(mode, n, minChunkBytes, lockCachePages, folioBatchedRuns, batchCapacity, gupImpl,
                gupCosts);
    }

    public PinConfig withMinChunkBytes(long b) {
        return new PinConfig(mode, padataThreads, b, lockCachePages, folioBatchedRuns, batchCapacity, gupImpl,
                gupCosts);
    }

    public PinConfig withLockCachePages(long p) {
        return new PinConfig(mode, padataThreads, minChunkBytes, p, folioBatchedRuns, batchCapacity, gupImpl,
                gupCosts);
    }

    public PinConfig withFolioBatchedRuns(boolean b) {
        return new PinConfig(mode, padataThreads, minChunkBytes, lockCachePages, b, batchCapacity, gupImpl,
                gupCosts);
    }

    public PinConfig withBatchCapacity(int c) {
        return new PinConfig(mode, padataThreads, minChunkBytes, lockCachePages, folioBatchedRuns, c, gupImpl,
                gupCosts);
    }

    public PinConfig withGup(GupFlavour impl, GupCosts costs) {
        return new PinConfig(mode, padataThreads, minChunkBytes, lockCachePages, folioBatchedRuns, batchCapacity,
                impl, costs);
    }

    /** {@code align} of the padata job: PMD_SIZE, "in case THP is being used". */
    public long padataAlign() {
        return MmConstants.PMD_SIZE;
    }

    /** A short label for reports: "serial", "padata-16", "folio-batched", "folio-batched with padata-16". */
    public String label() {
        return switch (mode) {
            case SERIAL -> folioBatchedRuns ? "folio-batched" : "serial";
            case FOLIO_BATCHED -> "folio-batched";
            case PADATA -> (folioBatchedRuns ? "folio-batched with padata-" : "padata-") + padataThreads;
        };
    }
}
