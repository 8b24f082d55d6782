package org.kemu.vfiotype1.type1;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code iommu->dma_list}: the rb-tree of {@link VfioDma} keyed by IOVA (unsigned), entries never
 * overlapping (docs/kernel/vfio-gup.md section 1.2). An entry of size 0 (being built) overlaps nothing.
 */
public final class DmaTree implements Iterable<VfioDma> {
    private final TreeMap<Long, VfioDma> tree = new TreeMap<>(Long::compareUnsigned);

    /**
     * {@code vfio_find_dma(iommu, start, size)}: any entry overlapping {@code [start, start+size)};
     * with size 0, an entry with {@code iova < start <= last} (the rb-walk's comparisons).
     */
    public VfioDma find(long start, long size) {
        if (size == 0) {
            Map.Entry<Long, VfioDma> e = tree.lowerEntry(start);
            while (e != null && e.getValue().extent() == 0) {
                e = tree.lowerEntry(e.getKey());
            }
            return e != null && Long.compareUnsigned(e.getValue().extentLast(), start) >= 0 ? e.getValue() : null;
        }
        return findOverlap(start, start + size - 1);
    }

    /** The entry overlapping the inclusive range {@code [start, last]}, or null. */
    public VfioDma findOverlap(long start, long last) {
        Map.Entry<Long, VfioDma> e = tree.floorEntry(last);
        while (e != null && e.getValue().extent() == 0) {
            e = tree.lowerEntry(e.getKey());
        }
        return e != null && Long.compareUnsigned(e.getValue().extentLast(), start) >= 0 ? e.getValue() : null;
    }

    /**
     * {@code vfio_find_dma_first_node()}: the lowest entry ending after {@code start}, or null if it
     * begins after {@code last} (inclusive end; the post-2025 form that allows the top of the space).
     */
    public VfioDma firstNode(long start, long last) {
        Map.Entry<Long, VfioDma> e = tree.floorEntry(start);
        if (e == null || !endsAfter(e.getValue(), start)) {
            e = tree.higherEntry(start);
        }
        while (e != null && !endsAfter(e.getValue(), start)) {
            e = tree.higherEntry(e.getKey());
        }
        if (e == null || Long.compareUnsigned(e.getValue().iova(), last) > 0) {
            return null;
        }
        return e.getValue();
    }

    private static boolean endsAfter(VfioDma d, long start) {
        return d.extent() == 0 ? Long.compareUnsigned(d.iova(), start) > 0
                : Long.compareUnsigned(d.extentLast(), start) >= 0;
    }

    /** {@code rb_next}. */
    public VfioDma next(VfioDma d) {
        Map.Entry<Long, VfioDma> e = tree.higherEntry(d.iova());
        return e == null ? null : e.getValue();
    }

    /** {@code vfio_link_dma}. */
    public void link(VfioDma d) {
        if (tree.putIfAbsent(d.iova(), d) != null) {
            throw new IllegalStateException("vfio_link_dma: iova 0x" + Long.toHexString(d.iova()) + " present");
        }
    }

    /** {@code vfio_unlink_dma}. */
    public void unlink(VfioDma d) {
        if (tree.get(d.iova()) != d) {
            throw new IllegalStateException("vfio_unlink_dma: " + d + " not linked");
        }
        tree.remove(d.iova());
    }

    public int count() {
        return tree.size();
    }

    public boolean isEmpty() {
        return tree.isEmpty();
    }

    @Override
    public Iterator<VfioDma> iterator() {
        return List.copyOf(tree.values()).iterator();
    }

    public List<VfioDma> entries() {
        return new ArrayList<>(tree.values());
    }
}
