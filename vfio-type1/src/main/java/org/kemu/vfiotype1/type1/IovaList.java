package org.kemu.vfiotype1.type1;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.IovaRange;
import org.kemu.vfiotype1.ReservedRegion;

/**
 * {@code iommu->iova_list}: the sorted valid IOVA ranges (docs/kernel/vfio-gup.md section 1.11). Empty at open, which
 * allows any IOVA (an mdev-only container); the first attach installs the domain's aperture, and
 * every attach narrows it and carves out the group's reserved regions. Immutable: an attach works on
 * a copy so that a failed attach leaves the list unchanged.
 */
public final class IovaList {
    private final List<IovaRange> ranges;

    private IovaList(List<IovaRange> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    public static IovaList empty() {
        return new IovaList(List.of());
    }

    public static IovaList of(List<IovaRange> ranges) {
        return new IovaList(ranges);
    }

    public List<IovaRange> ranges() {
        return ranges;
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /**
     * {@code vfio_iommu_iova_dma_valid()}: {@code [start, last]} lies inside one range; an empty list
     * allows anything.
     */
    public boolean dmaValid(long start, long last) {
        if (ranges.isEmpty()) {
            return true;
        }
        for (IovaRange r : ranges) {
            if (r.contains(start, last)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The attach-time narrowing of vfio_iommu_type1_attach_group(): {@code vfio_iommu_aper_conflict}
     * (aperture disjoint from the list, or cutting off an existing mapping -> EINVAL),
     * {@code vfio_iommu_resv_conflict} (a reserved region other than DIRECT_RELAXABLE overlapping a
     * mapping -> EINVAL), then resize to the aperture and exclude the reserved regions; nothing left ->
     * EINVAL.
     */
    public IovaList attach(IovaRange aperture, List<ReservedRegion> reserved, DmaTree dmas) {
        long start = aperture.start();
        long end = aperture.last();
        if (!ranges.isEmpty()) {
            IovaRange first = ranges.get(0);
            IovaRange last = ranges.get(ranges.size() - 1);
            boolean disjoint = Long.compareUnsigned(start, last.last()) > 0
                    || Long.compareUnsigned(end, first.start()) < 0;
            boolean cutsBelow = Long.compareUnsigned(start, first.start()) > 0
                    && dmas.findOverlap(first.start(), start - 1) != null;
            boolean cutsAbove = Long.compareUnsigned(end, last.last()) < 0
                    && dmas.findOverlap(end + 1, last.last()) != null;
            if (disjoint || cutsBelow || cutsAbove) {
                throw new KernelException(Errno.EINVAL, "vfio_iommu_aper_conflict",
                        "aperture " + aperture + " conflicts with the valid IOVA list or existing mappings");
            }
        }
        for (ReservedRegion r : reserved) {
            if (r.type() != ReservedRegion.Type.DIRECT_RELAXABLE
                    && dmas.findOverlap(r.range().start(), r.range().last()) != null) {
                throw new KernelException(Errno.EINVAL, "vfio_iommu_resv_conflict",
                        "reserved region " + r.range() + " overlaps an existing mapping");
            }
        }
        List<IovaRange> out = new ArrayList<>();
        if (ranges.isEmpty()) {
            out.add(aperture);
        } else {
            for (IovaRange r : ranges) {
                if (r.overlaps(start, end)) {
                    long s = Long.compareUnsigned(r.start(), start) >= 0 ? r.start() : start;
                    long l = Long.compareUnsigned(r.last(), end) <= 0 ? r.last() : end;
                    out.add(new IovaRange(s, l));
                }
            }
        }
        for (ReservedRegion r : reserved) {
            if (r.type() != ReservedRegion.Type.DIRECT_RELAXABLE) {
                out = exclude(out, r.range());
            }
        }
        if (out.isEmpty()) {
            throw new KernelException(Errno.EINVAL, "vfio_iommu_resv_exclude", "no valid IOVA range left");
        }
        return new IovaList(out);
    }

    private static List<IovaRange> exclude(List<IovaRange> in, IovaRange hole) {
        List<IovaRange> out = new ArrayList<>();
        for (IovaRange r : in) {
            if (!r.overlaps(hole.start(), hole.last())) {
                out.add(r);
                continue;
            }
            if (Long.compareUnsigned(r.start(), hole.start()) < 0) {
                out.add(new IovaRange(r.start(), hole.start() - 1));
            }
            if (Long.compareUnsigned(r.last(), hole.last()) > 0) {
                out.add(new IovaRange(hole.last() + 1, r.last()));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return ranges.toString();
    }
}
