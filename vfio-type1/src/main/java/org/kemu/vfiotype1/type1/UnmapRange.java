package org.kemu.vfiotype1.type1;

/**
 * An UNMAP_DMA request that passed its checks: the inclusive IOVA range to walk and the mode.
 */
public record UnmapRange(long iova, long last, boolean all, boolean invalidateVaddr, boolean dirtyBitmap) {
}
