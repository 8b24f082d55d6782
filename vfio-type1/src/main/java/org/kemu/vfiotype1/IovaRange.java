package org.kemu.vfiotype1;

/**
 * An inclusive IOVA range {@code [start, last]} ({@code struct vfio_iova}, {@code struct
 * iommu_resv_region} as start/length); inclusive so that a range may end at 2^64 - 1.
 */
public record IovaRange(long start, long last) {
    public IovaRange {
        if (Long.compareUnsigned(start, last) > 0) {
            throw new IllegalArgumentException("empty IOVA range " + Long.toHexString(start) + ".."
                    + Long.toHexString(last));
        }
    }

    /** The range of {@code size > 0} bytes from {@code start} (must not wrap). */
    public static IovaRange ofSize(long start, long size) {
        return new IovaRange(start, start + size - 1);
    }

    /** The whole 64-bit IOVA space. */
    public static IovaRange all() {
        return new IovaRange(0, -1L);
    }

    public boolean contains(long iova) {
        return Long.compareUnsigned(start, iova) <= 0 && Long.compareUnsigned(iova, last) <= 0;
    }

    public boolean contains(long s, long l) {
        return contains(s) && contains(l);
    }

    public boolean overlaps(long s, long l) {
        return Long.compareUnsigned(s, last) <= 0 && Long.compareUnsigned(start, l) <= 0;
    }

    @Override
    public String toString() {
        return "[" + Long.toHexString(start) + ", " + Long.toHexString(last) + "]";
    }
}
