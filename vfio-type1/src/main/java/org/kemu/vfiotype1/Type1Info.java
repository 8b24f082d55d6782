package org.kemu.vfiotype1;

import java.util.List;

/**
 * What VFIO_IOMMU_GET_INFO writes back (docs/kernel/vfio-gup.md section 1.12): the info struct and, when it fits, the
 * capability chain MIGRATION, DMA_AVAIL, IOVA_RANGE (in that order; IOVA_RANGE omitted when the
 * valid list is empty).
 *
 * @param argsz the caller's argsz, or the size needed when the caps did not fit
 * @param flags PGSIZES, plus CAPS whenever there are capabilities
 * @param iovaPgsizes the container's full page-size bitmap
 * @param capOffset offset of the first cap, 0 when they did not fit (or argsz hides the field)
 * @param capsCopied whether the chain was copied out
 * @param migrationPgsizeBitmap MIGRATION cap: the minimum page size only
 * @param maxDirtyBitmapSize MIGRATION cap: 256 MiB
 * @param dmaAvail DMA_AVAIL cap
 * @param iovaRanges IOVA_RANGE cap
 */
public record Type1Info(int argsz, int flags, long iovaPgsizes, int capOffset, boolean capsCopied,
        long migrationPgsizeBitmap, long maxDirtyBitmapSize, int dmaAvail, List<IovaRange> iovaRanges) {
}
