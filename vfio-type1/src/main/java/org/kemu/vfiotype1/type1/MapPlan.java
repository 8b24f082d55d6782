package org.kemu.vfiotype1.type1;

import org.kemu.vfiotype1.IommuProt;

/** What a MAP_DMA that passed every check is going to do. */
public sealed interface MapPlan {
    /** A new dma to allocate, link and pin. {@code last} is the inclusive end IOVA. */
    record NewDma(long iova, long vaddr, long size, long last, IommuProt prot) implements MapPlan {
    }

    /** VFIO_DMA_MAP_FLAG_VADDR on an invalidated dma: change owner, replace vaddr. */
    record UpdateVaddr(VfioDma dma, long vaddr) implements MapPlan {
    }
}
