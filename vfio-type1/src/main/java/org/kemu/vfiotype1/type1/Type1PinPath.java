package org.kemu.vfiotype1.type1;

/**
 * Where the pin path (mm-gup + padata, added later) plugs into the container: everything in
 * MAP_DMA/UNMAP_DMA that touches user memory or locked_vm. {@link Type1Iommu} owns the checks, the
 * DMA tree, the domains and the IOMMU side of unmap; an implementation of this interface owns GUP,
 * batches and accounting. See DESIGN-NOTES.md.
 */
public interface Type1PinPath {
    /**
     * {@code vfio_pin_map_dma()}: pin {@code size} bytes from {@code dma.vaddr()} and map them at
     * {@code dma.iova()} in every domain of {@code iommu} ({@link Type1Iommu#iommuMapRun}, one call
     * per physically contiguous run), growing {@code dma} run by run. On failure it unwinds the run
     * that failed (not the earlier ones: {@code dma.size()} must cover exactly what is mapped) and
     * throws; the container then removes the dma, which unmaps and unpins the rest.
     */
    void pinMapDma(Type1Iommu iommu, VfioDma dma, long size);

    /**
     * Pins and maps {@code [0, size)} of {@code dma} without growing {@code dma.size()} and without
     * the container mutex being required (padata's job shape; the outside-mutex MAP_DMA variant):
     * maps with {@link Type1Iommu#iommuMapRunForHelper}; on failure undoes everything it did (unmap,
     * unpin, uncharge) and throws, so the caller only unlinks.
     */
    default void pinMapDmaDetached(Type1Iommu iommu, VfioDma dma, long size) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot pin outside the mutex");
    }

    /**
     * {@code vfio_unpin_pages_remote()} without the accounting: unpin {@code npage} pages starting
     * at physical page {@code pfn}; returns how many pages to uncharge.
     */
    long unpinPagesRemote(VfioDma dma, long iova, long pfn, long npage);

    /** {@code vfio_lock_acct(dma, npage, async)}: charge (positive) or uncharge (negative). */
    void lockAcct(VfioDma dma, long npage, boolean async);

    /** {@code vfio_change_dma_owner()} for MAP_DMA with FLAG_VADDR from the current task. */
    void changeDmaOwner(VfioDma dma);

    /** A container without a pin path: fine while no domain is attached (nothing is pinned then). */
    Type1PinPath NONE = new Type1PinPath() {
        @Override
        public void pinMapDma(Type1Iommu iommu, VfioDma dma, long size) {
            throw new IllegalStateException("no pin path installed: cannot pin " + dma);
        }

        @Override
        public long unpinPagesRemote(VfioDma dma, long iova, long pfn, long npage) {
            return 0;
        }

        @Override
        public void lockAcct(VfioDma dma, long npage, boolean async) {
        }

        @Override
        public void changeDmaOwner(VfioDma dma) {
        }
    };
}
