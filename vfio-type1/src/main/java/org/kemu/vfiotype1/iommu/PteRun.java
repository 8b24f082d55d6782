package org.kemu.vfiotype1.iommu;

import org.kemu.vfiotype1.IommuMapping;
import org.kemu.vfiotype1.IommuProt;

/**
 * A run of leaves of one size, contiguous in IOVA and PA: the storage unit of {@link IoPageTable}.
 * {@code startMark}/{@code lastMark} are the mock domain's MOCK_PFN_START_IOVA / MOCK_PFN_LAST_IOVA
 * flags on the run's first and last entry (docs/kernel/vfio-gup.md section 4.1).
 */
record PteRun(long iova, long paddr, long pgsize, long count, IommuProt prot, boolean startMark,
        boolean lastMark) {

    long size() {
        return pgsize * count;
    }

    long last() {
        return iova + size() - 1;
    }

    boolean contains(long at) {
        return Long.compareUnsigned(iova, at) <= 0 && Long.compareUnsigned(at, last()) <= 0;
    }

    IommuMapping toMapping() {
        return new IommuMapping(iova, paddr, pgsize, count, prot);
    }
}
