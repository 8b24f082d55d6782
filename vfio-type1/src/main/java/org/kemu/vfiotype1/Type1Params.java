package org.kemu.vfiotype1;

import java.util.Objects;

/**
 * The type1 container's configuration: module parameters and the IOMMU type user space chose.
 *
 * @param dmaEntryLimit {@code dma_entry_limit}, copied into {@code dma_avail} at open (U16_MAX)
 * @param v2 VFIO_TYPE1v2_IOMMU (no bisecting unmaps) rather than VFIO_TYPE1_IOMMU
 * @param overflowChecks which generation of overflow checks
 * @param disableHugepages {@code disable_hugepages}: one-page pin chunks and PAGE_SIZE maps
 */
public record Type1Params(int dmaEntryLimit, boolean v2, OverflowChecks overflowChecks, boolean disableHugepages) {
    public Type1Params {
        Objects.requireNonNull(overflowChecks, "overflowChecks");
        if (dmaEntryLimit < 0) {
            throw new IllegalArgumentException("dma_entry_limit must not be negative");
        }
    }

    /** Type1v2 with the current kernel's defaults. */
    public static Type1Params defaults() {
        return new Type1Params(VfioUapi.DMA_ENTRY_LIMIT_DEFAULT, true, OverflowChecks.CHECK_OVERFLOW, false);
    }

    public Type1Params withV2(boolean v) {
        return new Type1Params(dmaEntryLimit, v, overflowChecks, disableHugepages);
    }

    public Type1Params withDmaEntryLimit(int l) {
        return new Type1Params(l, v2, overflowChecks, disableHugepages);
    }

    public Type1Params withOverflowChecks(OverflowChecks o) {
        return new Type1Params(dmaEntryLimit, v2, o, disableHugepages);
    }
}
