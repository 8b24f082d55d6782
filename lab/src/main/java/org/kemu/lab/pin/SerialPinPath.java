package org.kemu.lab.pin;

import org.kemu.mmgup.Gup;
import org.kemu.vfiotype1.type1.Type1Iommu;
import org.kemu.vfiotype1.type1.Type1PinPath;
import org.kemu.vfiotype1.type1.VfioDma;

/**
 * {@code vfio_pin_map_dma()} as in 5.14, run by the task that issued MAP_DMA. With
 * {@code outsideMutex} it drops the container mutex while it pins and maps (the user-space
 * threading variant the review asked about) and retakes it before returning.
 *
 * <p>STAND-IN for vfio-type1's serial pin path (the lead replaces it when that is merged).
 */
final class SerialPinPath implements Type1PinPath {
    private final RangePinner pinner;
    private final LockAccounting acct;
    private final Gup gup;
    private final boolean outsideMutex;

    SerialPinPath(RangePinner pinner, LockAccounting acct, Gup gup, boolean outsideMutex) {
        this.pinner = pinner;
        this.acct = acct;
        this.gup = gup;
        this.outsideMutex = outsideMutex;
    }

    @Override
    public void pinMapDma(Type1Iommu iommu, VfioDma dma, long size) {
        if (outsideMutex) {
            iommu.lock().unlock();
        }
        try {
            pinner.pinMap(dma.vaddr(), dma.iova(), size, new RangePinner.Charger() {
                @Override
                public void charge(long npage) {
                    acct.lockAcct(dma, npage);
                }

                @Override
                public void uncharge(long npage) {
                    acct.lockAcct(dma, -npage);
                }
            }, outsideMutex ? (iova, pfn, n) -> iommu.iommuMapRunForHelper(iova, pfn, n, dma.prot())
                    : (iova, pfn, n) -> iommu.iommuMapRun(iova, pfn, n, dma.prot()),
                    (iova, pfn, n) -> dma.grow(n << 12));
        } finally {
            if (outsideMutex) {
                iommu.lock().lock();
            }
        }
    }

    @Override
    public long unpinPagesRemote(VfioDma dma, long iova, long pfn, long npage) {
        gup.unpinUserPageRangeDirtyLock(pfn, npage, true);
        return npage;
    }

    @Override
    public void lockAcct(VfioDma dma, long npage, boolean async) {
        acct.lockAcct(dma, npage);
    }

    @Override
    public void changeDmaOwner(VfioDma dma) {
        throw new UnsupportedOperationException("VFIO_DMA_MAP_FLAG_VADDR is not used by the guest-init workload");
    }
}
