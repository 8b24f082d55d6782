package org.kemu.vfiotype1;

/**
 * {@code struct vfio_bitmap} that follows an UNMAP_DMA request with GET_DIRTY_BITMAP.
 *
 * @param readable whether {@code copy_from_user} of the header succeeds
 */
public record VfioBitmap(long pgsize, long size, long data, boolean readable) {
}
