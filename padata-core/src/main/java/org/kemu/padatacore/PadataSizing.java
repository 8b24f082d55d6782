package org.kemu.padatacore;

import java.util.ArrayList;
import java.util.List;

/**
 * The pure arithmetic of {@code padata_do_multithreaded()} and {@code padata_mt_helper()}
 * (kernel/padata.c; docs/kernel/padata.md section 2.2): how many threads a job asks for, how big a chunk is,
 * and where each chunk handed out from the cursor ends. The versions differ only in the two fixes
 * listed in {@link Variant}; tests table-check each.
 */
public final class PadataSizing {
    /** "In case threads finish at different times": about four chunks per thread. */
    public static final long LOAD_BALANCE_FACTOR = 4;

    private PadataSizing() {
    }

    /** Versions of the sizing code. */
    public enum Variant {
        /** Commit 004ed42638f4 (2020): threads = size / min_chunk; no zero guard on chunk_size. */
        ORIGINAL_2020,
        /**
         * Anthony Yznaga (2023, reference [AY23]): threads = size / max(min_chunk, align), so a large
         * alignment no longer asks for threads that would get no aligned chunk.
         */
        ALIGN_2023,
        /**
         * Waiman Long (2024, [WL24]): chunk_size forced to at least 1 after the roundup, fixing the
         * divide-by-zero in padata_mt_helper when min_chunk is 0 and size < 4 * nworks.
         */
        ZERO_GUARD_2024,
        /**
         * Kamlesh Gurudasani (2024, [KG24]): the guard moved before the roundup so a forced chunk of
         * 1 is still rounded up to align. The current mainline code.
         */
        CURRENT
    }

    /** What a job gets: its thread count (main thread included) and its chunk size. */
    public record Plan(int nworks, long chunkSize) {
    }

    /**
     * The thread request before any cap of the series: {@code max(size / max(min_chunk, align), 1)}
     * then {@code min(..., max_threads)}. Throws {@link ArithmeticException} (the kernel's
     * divide-by-zero panic) for {@link Variant#ORIGINAL_2020} with min_chunk 0.
     */
    public static int threadRequest(Variant v, long size, long align, long minChunk, int maxThreads) {
        long divisor = v == Variant.ORIGINAL_2020 ? minChunk : Math.max(minChunk, align);
        long nworks = Math.max(size / divisor, 1);
        return (int) Math.min(nworks, maxThreads);
    }

    /**
     * chunk_size for a job run by {@code nworks} threads (the count actually obtained, which may be
     * below the request). May return 0 for the versions without the guard; the helper then divides
     * by zero.
     */
    public static long chunkSize(Variant v, long size, int nworks, long align, long minChunk) {
        long chunk = size / (nworks * LOAD_BALANCE_FACTOR);
        chunk = Math.max(chunk, minChunk);
        if (v == Variant.CURRENT) {
            chunk = Math.max(chunk, 1);
        }
        chunk = roundup(chunk, align);
        if (v == Variant.ZERO_GUARD_2024) {
            chunk = Math.max(chunk, 1);
        }
        return chunk;
    }

    /**
     * The mainline plan with no cap but max_threads and no work-pool shortage. A single thread runs
     * the whole job in one {@code thread_fn} call, reported as a chunk of {@code size}.
     */
    public static Plan plan(Variant v, long size, long align, long minChunk, int maxThreads) {
        if (size == 0) {
            return new Plan(0, 0);
        }
        int nworks = threadRequest(v, size, align, minChunk, maxThreads);
        if (nworks == 1) {
            return new Plan(1, size);
        }
        return new Plan(nworks, chunkSize(v, size, nworks, align, minChunk));
    }

    /**
     * The size of the next chunk at cursor {@code start} with {@code remaining} units left:
     * {@code min(roundup(start + 1, chunk_size) - start, remaining)}, so the chunk ends on a multiple
     * of chunk_size when enough work remains.
     */
    public static long nextChunkSize(long start, long remaining, long chunkSize) {
        long size = roundup(start + 1, chunkSize) - start;
        return Math.min(size, remaining);
    }

    /** Every chunk [start, end) handed out, in cursor order, for a job split with {@code plan}. */
    public static List<long[]> chunks(long start, long size, Plan plan) {
        List<long[]> out = new ArrayList<>();
        if (plan.nworks() == 1) {
            out.add(new long[] {start, start + size});
            return out;
        }
        long s = start;
        long rem = size;
        while (rem > 0) {
            long n = nextChunkSize(s, rem, plan.chunkSize());
            out.add(new long[] {s, s + n});
            s += n;
            rem -= n;
        }
        return out;
    }

    /** The kernel's {@code roundup(x, y)}: {@code ((x + y - 1) / y) * y}; divides by zero for y 0. */
    public static long roundup(long x, long y) {
        return ((x + (y - 1)) / y) * y;
    }
}
