package org.kemu.vfiotype1.type1;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuGather;
import org.kemu.vfiotype1.IommuMapping;
import org.kemu.vfiotype1.PageSizes;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.VfioUapi;

/**
 * {@code vfio_unmap_unpin()} (docs/kernel/vfio-gup.md section 1.8): every domain but the first is unmapped in one call;
 * the first domain is the record of the pfns: walk it, take the longest physically contiguous chunk,
 * {@code iommu_unmap_fast()} it into a gather and queue a region; every
 * {@link VfioUapi#VFIO_IOMMU_TLB_SYNC_MAX} regions (and at the end) sync the IOTLB and only then
 * unpin the queued regions. When the region record cannot be allocated (fail-nth point
 * {@value #FAIL_REGION_ALLOC}) the chunk goes the slow way: synced {@code iommu_unmap()} and
 * immediate unpin. Returns pages unpinned and still to be uncharged.
 */
final class VfioUnmapUnpin {
    public static final String FAIL_REGION_ALLOC = "vfio_unmap_unpin:region_alloc";

    private VfioUnmapUnpin() {
    }

    private record Region(long iova, long phys, long len) {
    }

    static long unmapUnpin(Kernel kernel, List<IommuDomain> domains, VfioDma dma, VfioPinPages pins,
            Type1Costs costs) {
        if (dma.size() == 0 || domains.isEmpty()) {
            return 0;
        }
        long unlocked = unmapUnpinRange(kernel, domains, dma, dma.iova(), dma.size(), pins, costs);
        dma.setIommuMapped(false);
        return unlocked;
    }

    /**
     * The 2022 series' {@code vfio_unmap_unpin(iommu, dma, iova, end)} (patch 6): the same walk over
     * {@code [iova, iova + size)} only, for padata's undo of completed chunks and a chunk's own
     * unwind; {@code dma.size()} is not consulted.
     */
    static long unmapUnpinRange(Kernel kernel, List<IommuDomain> domains, VfioDma dma, long iova, long size,
            VfioPinPages pins, Type1Costs costs) {
        if (size == 0 || domains.isEmpty()) {
            return 0;
        }
        for (int i = 1; i < domains.size(); i++) {
            domains.get(i).unmap(iova, size);
            kernel.condResched();
        }
        IommuDomain first = domains.get(0);
        IommuGather gather = new IommuGather();
        List<Region> queued = new ArrayList<>();
        long unlocked = 0;
        long remaining = size;
        while (remaining != 0) {
            IommuMapping m = first.lookup(iova).orElse(null);
            if (m == null) {
                // WARN_ON(!phys) in the kernel: step over the page
                iova += PageSizes.PAGE_SIZE;
                remaining -= PageSizes.PAGE_SIZE;
                continue;
            }
            long phys = m.phys(iova);
            long len = contiguousLength(first, iova, phys, remaining);
            if (costs.iovaToPhysPageNs() != 0) {
                kernel.work(costs.iovaToPhysPageNs() * (len >>> PageSizes.PAGE_SHIFT));
            }
            if (FailNth.shouldFail(kernel, FAIL_REGION_ALLOC)) {
                long n = first.unmap(iova, len);
                if (n == 0) {
                    break;
                }
                unlocked += pins.unpinPagesRemote(dma, phys >>> PageSizes.PAGE_SHIFT, n >>> PageSizes.PAGE_SHIFT);
                iova += n;
                remaining -= Math.min(n, remaining);
                continue;
            }
            long n = first.unmapFast(iova, len, gather);
            if (n == 0) {
                break;
            }
            gather.addRegion();
            queued.add(new Region(iova, phys, n));
            iova += n;
            remaining -= Math.min(n, remaining);
            if (queued.size() >= VfioUapi.VFIO_IOMMU_TLB_SYNC_MAX) {
                unlocked += syncAndUnpin(first, gather, queued, dma, pins);
                kernel.condResched();
            }
        }
        unlocked += syncAndUnpin(first, gather, queued, dma, pins);
        return unlocked;
    }

    /**
     * The kernel probes {@code iommu_iova_to_phys()} page by page; the run structure gives the same
     * answer without a call per page: follow runs while the PA stays contiguous.
     */
    private static long contiguousLength(IommuDomain d, long iova, long phys, long remaining) {
        long len = 0;
        long cur = iova;
        while (len < remaining) {
            IommuMapping m = d.lookup(cur).orElse(null);
            if (m == null || m.phys(cur) != phys + len) {
                break;
            }
            long take = Math.min(m.last() - cur + 1, remaining - len);
            len += take;
            cur += take;
        }
        return len;
    }

    private static long syncAndUnpin(IommuDomain d, IommuGather gather, List<Region> queued, VfioDma dma,
            VfioPinPages pins) {
        d.iotlbSync(gather);
        long unlocked = 0;
        for (Region r : queued) {
            unlocked += pins.unpinPagesRemote(dma, r.phys() >>> PageSizes.PAGE_SHIFT,
                    r.len() >>> PageSizes.PAGE_SHIFT);
        }
        queued.clear();
        return unlocked;
    }
}
