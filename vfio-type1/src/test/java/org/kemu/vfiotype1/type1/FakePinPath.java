package org.kemu.vfiotype1.type1;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.PageSizes;

/**
 * A stand-in for the mm-gup pin path: user address v is backed by physical address v + offset,
 * physically contiguous in pieces of {@code runBytes} (each next piece is displaced so that runs
 * break there), pins and locked_vm are counted, and it can fail after a number of runs.
 */
final class FakePinPath implements Type1PinPath {
    final long runBytes;
    final long offset;
    long pinnedPages;
    long lockedVm;
    int failAfterRuns = -1;

    FakePinPath(long runBytes, long offset) {
        this.runBytes = runBytes;
        this.offset = offset;
    }

    long pa(long vaddr) {
        long piece = vaddr / runBytes;
        return vaddr + offset + piece * runBytes; // a gap of runBytes after every piece
    }

    @Override
    public void pinMapDma(Type1Iommu iommu, VfioDma dma, long size) {
        int runs = 0;
        while (dma.size() < size) {
            long v = dma.vaddr() + dma.size();
            long len = Math.min(size - dma.size(), runBytes - (v % runBytes));
            long npage = len >>> PageSizes.PAGE_SHIFT;
            if (runs++ == failAfterRuns) {
                throw new KernelException(Errno.ENOMEM, "fake:pin", "RLIMIT_MEMLOCK exceeded");
            }
            pinnedPages += npage;
            lockedVm += npage;
            dma.addLockedVm(npage);
            try {
                iommu.iommuMapRun(dma.iova() + dma.size(), pa(v) >>> PageSizes.PAGE_SHIFT, npage, dma.prot());
            } catch (KernelException e) {
                pinnedPages -= npage;
                lockedVm -= npage;
                dma.addLockedVm(-npage);
                throw e;
            }
            dma.grow(len);
        }
    }

    @Override
    public long unpinPagesRemote(VfioDma dma, long iova, long pfn, long npage) {
        pinnedPages -= npage;
        return npage;
    }

    @Override
    public void lockAcct(VfioDma dma, long npage, boolean async) {
        lockedVm += npage;
        dma.addLockedVm(npage);
    }

    @Override
    public void changeDmaOwner(VfioDma dma) {
        dma.changeOwner(7, false);
    }
}
