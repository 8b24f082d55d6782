package org.kemu.vfiotype1.type1;

import java.util.ArrayList;
import java.util.List;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IovaRange;

/**
 * The check "IOMMU mappings equal the DMA tree" (docs/design.md section 5): for every domain, the IOVA ranges it
 * maps are exactly the IOMMU-mapped dmas' ranges; every domain translates each IOVA to the same
 * physical address as the first domain (the pfn record); {@code dma_avail} plus the entries equals
 * {@code dma_entry_limit}; no driver WARN fired. Returns the violations found, empty when all hold.
 * Run it between ioctls (the container mutex free, no dma half built).
 */
public final class IommuInvariants {
    private IommuInvariants() {
    }

    public static List<String> check(VfioIommu iommu) {
        List<String> out = new ArrayList<>();
        List<IommuDomain> domains = iommu.domains();
        List<IovaRange> expected = new ArrayList<>();
        for (VfioDma d : iommu.dmas()) {
            if (d.size() != 0 && !domains.isEmpty()) {
                if (!d.iommuMapped()) {
                    out.add(d + " has size but is not IOMMU-mapped");
                }
                add(expected, d.iova(), d.last());
            }
        }
        for (IommuDomain dom : domains) {
            List<IovaRange> actual = new ArrayList<>();
            dom.forEachMapping(m -> add(actual, m.iova(), m.last()));
            if (!actual.equals(expected)) {
                out.add(dom.name() + " maps " + actual + " but the DMA tree says " + expected);
            }
            for (String w : dom.warnings()) {
                out.add(dom.name() + ": " + w);
            }
        }
        if (domains.size() > 1) {
            IommuDomain first = domains.get(0);
            for (int i = 1; i < domains.size(); i++) {
                IommuDomain other = domains.get(i);
                other.forEachMapping(m -> first.forEachMapping(m.iova(), m.last(), f -> {
                    long s = Long.compareUnsigned(f.iova(), m.iova()) >= 0 ? f.iova() : m.iova();
                    if (f.phys(s) != m.phys(s)) {
                        out.add(other.name() + " translates 0x" + Long.toHexString(s) + " to 0x"
                                + Long.toHexString(m.phys(s)) + ", first domain to 0x" + Long.toHexString(f.phys(s)));
                    }
                }));
            }
        }
        if (iommu.dmaAvail() + iommu.dmas().count() != iommu.params().dmaEntryLimit()) {
            out.add("dma_avail " + iommu.dmaAvail() + " + entries " + iommu.dmas().count() + " != dma_entry_limit "
                    + iommu.params().dmaEntryLimit());
        }
        return out;
    }

    /** Appends {@code [s, l]} to a sorted list of disjoint ranges, coalescing with the last one. */
    private static void add(List<IovaRange> ranges, long s, long l) {
        if (!ranges.isEmpty()) {
            IovaRange prev = ranges.get(ranges.size() - 1);
            if (prev.last() != -1L && prev.last() + 1 == s) {
                ranges.set(ranges.size() - 1, new IovaRange(prev.start(), l));
                return;
            }
        }
        ranges.add(new IovaRange(s, l));
    }
}
