package org.kemu.vfiotype1.type1;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuMapping;

/**
 * The container-wide invariants of docs/design.md section 5 for a type1 container whose pin path is the only
 * pinner and the only locked_vm user of the given mms: {@link IommuInvariants}, then pins balanced
 * ({@link MmInvariants#checkPinsBalanced}), the hugetlb reservations ({@link MmInvariants#checkHugetlbReservations}),
 * pins equal to the normal pages the first domain maps,
 * each dma charged for exactly its normal pages, and each mm's locked_vm equal to the sum of its
 * dmas' charges ({@link MmInvariants#checkLockedVm}). Run between ioctls.
 */
final class ContainerInvariants {
    private ContainerInvariants() {
    }

    static List<String> check(VfioIommu iommu, PhysicalMemory pm, LockedVm acct, Collection<MmStruct> mms) {
        List<String> out = new ArrayList<>(IommuInvariants.check(iommu));
        out.addAll(MmInvariants.checkPinsBalanced(pm));
        out.addAll(MmInvariants.checkHugetlbReservations(pm));
        List<IommuDomain> domains = iommu.domains();
        long expectedPins = 0;
        Map<MmStruct, Long> chargedByMm = new IdentityHashMap<>();
        for (VfioDma d : iommu.dmas()) {
            long[] normal = {0};
            if (!domains.isEmpty() && d.size() != 0) {
                // walked, not listed: a terabyte of 4 KiB pages is millions of runs
                domains.get(0).forEachMapping(d.iova(), d.last(), m -> {
                    long s = Long.compareUnsigned(m.iova(), d.iova()) >= 0 ? m.iova() : d.iova();
                    long e = Long.compareUnsigned(m.last(), d.last()) <= 0 ? m.last() : d.last();
                    normal[0] += normalPages(pm, m.phys(s) >>> MmConstants.PAGE_SHIFT,
                            (e - s + 1) >>> MmConstants.PAGE_SHIFT);
                });
            }
            expectedPins += normal[0];
            if (d.lockedVm() != normal[0]) {
                out.add(d + " charged " + d.lockedVm() + " pages but maps " + normal[0] + " normal pages");
            }
            if (d.mm() != null) {
                chargedByMm.merge(d.mm(), d.lockedVm(), Long::sum);
            }
        }
        if (pm.pinnedPages() != expectedPins) {
            out.add("memory holds " + pm.pinnedPages() + " pins, the DMA tree maps " + expectedPins + " normal pages");
        }
        for (MmStruct mm : mms) {
            if (!mm.exited()) {
                out.addAll(MmInvariants.checkLockedVm(acct, mm, chargedByMm.getOrDefault(mm, 0L)));
            }
        }
        return out;
    }

    /** Pages of {@code [pfn, pfn + n)} that are not invalid/reserved (runs are one kind, so ends decide). */
    private static long normalPages(PhysicalMemory pm, long pfn, long n) {
        boolean a = pm.isInvalidReserved(pfn);
        if (a == pm.isInvalidReserved(pfn + n - 1)) {
            return a ? 0 : n;
        }
        long c = 0;
        for (long p = pfn; p < pfn + n; p++) {
            if (!pm.isInvalidReserved(p)) {
                c++;
            }
        }
        return c;
    }
}
