package org.kemu.lab;

import org.kemu.mmgup.MmStruct;

/**
 * The guest-init workload's view of VFIO: open a type1 container with one IOMMU domain and issue
 * MAP_DMA as the pin mode does it. The lab's implementation ({@code pin.Type1PinPathAdapter}) calls
 * vfio-type1; when vfio-type1's own pin path lands only that adapter changes.
 */
public interface PinPathAdapter {

    /** {@code open("/dev/vfio/vfio")} + SET_IOMMU(type1v2) + attach a group; from inside the qemu task. */
    VfioContainer open(MmStruct mm, PinConfig config);

    /** An open container. */
    interface VfioContainer {
        /**
         * MAP_DMA of {@code [vaddr, vaddr + size)} at {@code iova}, read/write, from the current task,
         * as the pin mode does it (one call, padata inside it, or N user threads each mapping a slice).
         */
        void mapDma(long vaddr, long iova, long size);

        /** A plain serial MAP_DMA (qemu's small regions). */
        void mapDmaSerial(long vaddr, long iova, long size);

        /** UNMAP_DMA of everything mapped. */
        void unmapAll();

        /** Time and counts spent by the pin path so far. */
        PinStats stats();

        /** IOMMU mappings equal the DMA tree, pins and locked_vm balanced; empty when all hold. */
        java.util.List<String> checkInvariants();
    }
}
