package org.kemu.vfiotype1;

/**
 * What a driver does when an unmap request covers only part of a large leaf.
 */
public enum PartialUnmap {
    /**
     * VT-d and AMD-Vi: a request that begins at a leaf's first IOVA removes the whole leaf and reports
     * its full size, even past the requested end; a request beginning inside a leaf unmaps nothing.
     * This is the "v1" behaviour the type1 comment in vfio_dma_do_unmap() describes (docs/kernel/vfio-gup.md section 1.7
     * step 7, 5 and [S30]).
     */
    WHOLE_LEAF,
    /**
     * io-pgtable-arm since split-on-unmap was removed, and the generic iommupt table: a leaf that is
     * not wholly inside the request is left alone and the unmap stops there.
     */
    REFUSE
}
