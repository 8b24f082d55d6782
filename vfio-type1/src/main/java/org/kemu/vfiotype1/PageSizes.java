package org.kemu.vfiotype1;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Page-size bitmaps ({@code pgsize_bitmap}: bit n set means 2^n-byte IO pages are supported) and the
 * IOMMU core's page-size choice. All addresses and sizes are unsigned 64-bit values.
 */
public final class PageSizes {
    public static final long SZ_2K = 1L << 11;
    public static final long SZ_4K = 1L << 12;
    public static final long SZ_1M = 1L << 20;
    public static final long SZ_2M = 1L << 21;
    public static final long SZ_1G = 1L << 30;

    /** The CPU page size of the emulated x86-64 machine. */
    public static final long PAGE_SIZE = SZ_4K;
    public static final int PAGE_SHIFT = 12;
    /** {@code PAGE_MASK} as a bitmap: every power of two of PAGE_SIZE or more. */
    public static final long PAGE_MASK = ~(PAGE_SIZE - 1);

    /** 4 KiB, 2 MiB and 1 GiB: what VT-d advertises with two super-page levels (docs/kernel/vfio-gup.md section 5). */
    public static final long X86_BITMAP = SZ_4K | SZ_2M | SZ_1G;

    private PageSizes() {
    }

    /** {@code __ffs}: index of the lowest set bit; the argument must not be 0. */
    public static int ffs(long x) {
        if (x == 0) {
            throw new IllegalArgumentException("__ffs(0) is undefined");
        }
        return Long.numberOfTrailingZeros(x);
    }

    /** {@code __fls}: index of the highest set bit; the argument must not be 0. */
    public static int fls(long x) {
        if (x == 0) {
            throw new IllegalArgumentException("__fls(0) is undefined");
        }
        return 63 - Long.numberOfLeadingZeros(x);
    }

    /** {@code GENMASK(h, 0)}. */
    public static long genmask(int h) {
        return h >= 63 ? -1L : (1L << (h + 1)) - 1;
    }

    /** The minimum page size of a bitmap (its lowest set bit). */
    public static long minPageSize(long bitmap) {
        return 1L << ffs(bitmap);
    }

    /** True when {@code x} is a multiple of {@code pow2}. */
    public static boolean aligned(long x, long pow2) {
        return (x & (pow2 - 1)) == 0;
    }

    /** {@code iova + size - 1} wraps past 2^64 (size must be non-zero). */
    public static boolean wraps(long start, long size) {
        return Long.compareUnsigned(start + size - 1, start) < 0;
    }

    /**
     * {@code iommu_pgsize()} of drivers/iommu/iommu.c (docs/kernel/vfio-gup.md section 5): the largest supported
     * size allowed by the top bit of {@code size} and by the alignment of {@code iova | paddr}; the
     * count is cut at the next larger size's boundary when IOVA and PA are congruent modulo that size
     * and at least one whole larger page fits after the boundary, so that the next chunk can use it.
     * The boundary sum is overflow-checked (Jason Gunthorpe's check_add_overflow fix).
     */
    public static PgsizeChoice iommuPgsize(long pgsizeBitmap, long iova, long paddr, long size) {
        if (size == 0) {
            throw new IllegalArgumentException("iommu_pgsize of an empty range");
        }
        long addrMerge = paddr | iova;
        long pgsizes = pgsizeBitmap & genmask(fls(size));
        if (addrMerge != 0) {
            pgsizes &= genmask(ffs(addrMerge));
        }
        if (pgsizes == 0) {
            // BUG_ON(!pgsizes) in the kernel: the caller's alignment check makes it unreachable.
            throw new KernelException(Errno.EINVAL, "iommu_pgsize:bug_on",
                    "no page size fits iova " + Long.toHexString(iova) + " paddr " + Long.toHexString(paddr));
        }
        int idx = fls(pgsizes);
        long pgsize = 1L << idx;
        long larger = pgsizeBitmap & ~genmask(idx);
        if (larger != 0) {
            long next = 1L << ffs(larger);
            if (((iova ^ paddr) & (next - 1)) == 0) {
                long offset = next - (addrMerge & (next - 1));
                long offsetEnd = offset + next;
                boolean overflow = Long.compareUnsigned(offsetEnd, offset) < 0;
                if (!overflow && Long.compareUnsigned(offsetEnd, size) <= 0) {
                    size = offset;
                }
            }
        }
        return new PgsizeChoice(pgsize, size >>> idx);
    }

    /** The page sizes of a bitmap as text, e.g. {@code "4K|2M|1G"}. */
    public static String describe(long bitmap) {
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < 64; b++) {
            if ((bitmap & (1L << b)) != 0) {
                if (sb.length() > 0) {
                    sb.append('|');
                }
                sb.append(describeSize(1L << b));
            }
        }
        return sb.toString();
    }

    /** One size as text ({@code 4K}, {@code 2M}, {@code 1G}, or bytes). */
    public static String describeSize(long size) {
        if (size >= SZ_1G && aligned(size, SZ_1G)) {
            return (size >>> 30) + "G";
        }
        if (size >= SZ_1M && aligned(size, SZ_1M)) {
            return (size >>> 20) + "M";
        }
        if (size >= 1024 && aligned(size, 1024)) {
            return (size >>> 10) + "K";
        }
        return Long.toUnsignedString(size);
    }
}
