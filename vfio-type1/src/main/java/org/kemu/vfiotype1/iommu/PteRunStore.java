package org.kemu.vfiotype1.iommu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import org.kemu.vfiotype1.IommuProt;

/**
 * The runs of an {@link IoPageTable}, ordered by IOVA (unsigned), kept in primitive columns: a
 * terabyte guest of 4 KiB pages maps as millions of short runs (one per per-CPU list refill), and a
 * tree of boxed keys and run objects cost about 136 bytes a run, where these columns take 18. The
 * columns are cut into chunks of at most {@link #CHUNK} runs so an insertion moves at most a chunk;
 * a {@link PteRun} is made only when a caller asks for one.
 *
 * <p>Keys are stored with the sign bit flipped, so signed order is the IOVA's unsigned order.
 */
final class PteRunStore {
    /** Runs per chunk before it splits in two. */
    static final int CHUNK = 1024;
    private static final int START_MARK = 1 << 6;
    private static final int LAST_MARK = 1 << 7;
    private static final int PROT_MASK = (1 << 6) - 1;
    /** One instance per prot value: a walk over millions of runs should not make a prot per run. */
    private static final IommuProt[] PROTS = new IommuProt[PROT_MASK + 1];

    static {
        for (int i = 0; i < PROTS.length; i++) {
            PROTS[i] = new IommuProt(i);
        }
    }

    private static final class Chunk {
        long[] key = new long[16];
        /** The page frame ({@code paddr >>> 12}) as an unsigned int, or {@link #WIDE} (see {@link #widePaddr}). */
        int[] pfn = new int[16];
        /** The leaf count as an unsigned int, or {@link #WIDE} (see {@link #wideCount}). */
        int[] count = new int[16];
        /** log2 of the leaf size. */
        byte[] shift = new byte[16];
        /** IOMMU_* prot bits, and the mock's start/last marks. */
        byte[] flags = new byte[16];
        int n;

        void grow() {
            // a quarter more at a time: the columns stay about 90% full, where doubling leaves a third empty
            int cap = Math.min(CHUNK + 1, key.length + Math.max(16, key.length / 4));
            key = Arrays.copyOf(key, cap);
            pfn = Arrays.copyOf(pfn, cap);
            count = Arrays.copyOf(count, cap);
            shift = Arrays.copyOf(shift, cap);
            flags = Arrays.copyOf(flags, cap);
        }

        /** Index of the last key at most {@code k}, -1 if none. */
        int floor(long k) {
            if (n > 0 && k >= key[n - 1]) {
                // past the chunk's last run: where an ascending map call lands
                return n - 1;
            }
            int i = Arrays.binarySearch(key, 0, n, k);
            return i >= 0 ? i : -i - 2;
        }
    }

    private final ArrayList<Chunk> chunks = new ArrayList<>();
    /**
     * Each chunk's first key, in chunk order: {@link #chunkFor} searches this array instead of going
     * through every probed chunk's object and key column (a lookup per map call, four per insert).
     */
    private long[] firstKeys = new long[8];
    private int size;
    /**
     * The physical addresses and counts that do not fit their int column (a frame at or past
     * 16 TiB, an address not 4 KiB-aligned, more than 2^32 - 2 leaves), by key: rare, so a guest's
     * runs cost 18 bytes each rather than 26.
     */
    private final HashMap<Long, Long> widePaddr = new HashMap<>();
    private final HashMap<Long, Long> wideCount = new HashMap<>();

    /** An int column's mark for "the value is in the wide map". */
    private static final int WIDE = -1;
    private static final int PAGE_SHIFT = 12;
    private static final long PAGE_MASK = (1L << PAGE_SHIFT) - 1;

    /** {@code v >>> shift} as an unsigned int when exact and below {@link #WIDE}, else WIDE with {@code v} in {@code wide}. */
    private static int narrow(long v, long lowMask, int shift, long k, HashMap<Long, Long> wide) {
        long n = v >>> shift;
        if ((v & lowMask) == 0 && v >= 0 && n < 0xFFFF_FFFFL) {
            return (int) n;
        }
        wide.put(k, v);
        return WIDE;
    }

    private long paddr(Chunk c, int i) {
        int p = c.pfn[i];
        return p == WIDE ? widePaddr.get(c.key[i]) : Integer.toUnsignedLong(p) << PAGE_SHIFT;
    }

    private long count(Chunk c, int i) {
        int n = c.count[i];
        return n == WIDE ? wideCount.get(c.key[i]) : Integer.toUnsignedLong(n);
    }

    private static long flip(long iova) {
        return iova ^ Long.MIN_VALUE;
    }

    int size() {
        return size;
    }

    /** Index of the chunk whose first key is the last at most {@code k}, or 0. */
    private int chunkFor(long k) {
        int n = chunks.size();
        if (n <= 1 || k >= firstKeys[n - 1]) {
            // an ascending map call lands in the last chunk
            return Math.max(0, n - 1);
        }
        int i = Arrays.binarySearch(firstKeys, 0, n, k);
        return i >= 0 ? i : Math.max(0, -i - 2);
    }

    private void insertFirstKey(int ci, long k) {
        int n = chunks.size() - 1; // entries before this chunk was added
        if (n + 1 > firstKeys.length) {
            firstKeys = Arrays.copyOf(firstKeys, firstKeys.length * 2);
        }
        System.arraycopy(firstKeys, ci, firstKeys, ci + 1, n - ci);
        firstKeys[ci] = k;
    }

    private void removeFirstKey(int ci) {
        int n = chunks.size(); // entries after this chunk was removed
        System.arraycopy(firstKeys, ci + 1, firstKeys, ci, n - ci);
    }

    private PteRun run(Chunk c, int i) {
        int f = c.flags[i];
        return new PteRun(flip(c.key[i]), paddr(c, i), 1L << c.shift[i], count(c, i), PROTS[f & PROT_MASK],
                (f & START_MARK) != 0, (f & LAST_MARK) != 0);
    }

    /** Position ({@code chunk << 32 | index}) of the run with the greatest start at most key {@code k}, or -1. */
    private long floorPos(long k) {
        if (size == 0) {
            return -1;
        }
        int ci = chunkFor(k);
        int i = chunks.get(ci).floor(k);
        return i < 0 ? -1 : (long) ci << 32 | i;
    }

    /** Position of the run with the least start at least key {@code k}, or -1. */
    private long ceilingPos(long k) {
        if (size == 0) {
            return -1;
        }
        int ci = chunkFor(k);
        Chunk c = chunks.get(ci);
        int i = c.floor(k);
        if (i >= 0 && c.key[i] == k) {
            return (long) ci << 32 | i;
        }
        i++;
        if (i < c.n) {
            return (long) ci << 32 | i;
        }
        return ci + 1 < chunks.size() ? (long) (ci + 1) << 32 : -1;
    }

    private Chunk chunkAt(long pos) {
        return chunks.get((int) (pos >>> 32));
    }

    private static int indexAt(long pos) {
        return (int) pos;
    }

    private PteRun runAt(long pos) {
        return pos < 0 ? null : run(chunkAt(pos), indexAt(pos));
    }

    /** The run with the greatest start at most {@code iova} (unsigned), or null. */
    PteRun floor(long iova) {
        return runAt(floorPos(flip(iova)));
    }

    /**
     * Whether the run with the greatest start at most {@code iova} (unsigned) exists and its last byte
     * is at or past {@code start}: {@code floor(iova).last() >= start} without making the run.
     */
    boolean floorReaches(long iova, long start) {
        long pos = floorPos(flip(iova));
        return pos >= 0 && Long.compareUnsigned(lastOf(chunkAt(pos), indexAt(pos)), start) >= 0;
    }

    /** The last byte of run {@code i} of {@code c}: {@link PteRun#last()} from the columns. */
    private long lastOf(Chunk c, int i) {
        return flip(c.key[i]) + (count(c, i) << c.shift[i]) - 1;
    }

    /**
     * Whether the run with the greatest start below {@code iova} ends just before it with leaves of
     * {@code pgsize} whose physical range ends at {@code paddr} and whose prot is {@code prot}: the
     * joinable neighbour {@link IoPageTable} merges with, tested without making the run.
     */
    boolean lowerJoins(long iova, long paddr, long pgsize, IommuProt prot) {
        long pos = iova == 0 ? -1 : floorPos(flip(iova - 1));
        return pos >= 0 && joins(chunkAt(pos), indexAt(pos), iova, paddr, pgsize, prot, true);
    }

    /**
     * Whether the run with the least start at least {@code iova} starts exactly there with leaves of
     * {@code pgsize} at physical address {@code paddr} and prot {@code prot}.
     */
    boolean ceilingJoins(long iova, long paddr, long pgsize, IommuProt prot) {
        long pos = ceilingPos(flip(iova));
        return pos >= 0 && joins(chunkAt(pos), indexAt(pos), iova, paddr, pgsize, prot, false);
    }

    /**
     * Run {@code i} of {@code c} against a run meeting it at {@code at}: as the left neighbour
     * ({@code before}: it ends at {@code at - 1} and its physical range at {@code paddr}) or as the
     * right one (it starts at {@code at} and at {@code paddr}); same leaf size and prot either way.
     */
    private boolean joins(Chunk c, int i, long at, long paddr, long pgsize, IommuProt prot, boolean before) {
        if ((1L << c.shift[i]) != pgsize || (c.flags[i] & PROT_MASK) != prot.bits()) {
            return false;
        }
        if (before) {
            long size = count(c, i) << c.shift[i];
            return lastOf(c, i) + 1 == at && paddr(c, i) + size == paddr;
        }
        return flip(c.key[i]) == at && paddr(c, i) == paddr;
    }

    /** The run with the greatest start below {@code iova} (unsigned), or null. */
    PteRun lower(long iova) {
        if (iova == 0) {
            return null;
        }
        return floor(iova - 1);
    }

    /** The run with the least start at least {@code iova} (unsigned), or null. */
    PteRun ceiling(long iova) {
        return runAt(ceilingPos(flip(iova)));
    }

    /** The runs whose start is in {@code [from, last]} (unsigned), in IOVA order. */
    List<PteRun> startingIn(long from, long last) {
        List<PteRun> out = new ArrayList<>();
        forEachStartingIn(from, last, out::add);
        return out;
    }

    /** Hands the runs whose start is in {@code [from, last]} (unsigned) to {@code visit}, in IOVA order. */
    void forEachStartingIn(long from, long last, java.util.function.Consumer<PteRun> visit) {
        if (size == 0 || Long.compareUnsigned(from, last) > 0) {
            return;
        }
        long kf = flip(from);
        long kl = flip(last);
        int ci = chunkFor(kf);
        Chunk c = chunks.get(ci);
        int i = c.floor(kf);
        if (i < 0 || c.key[i] != kf) {
            i++;
        }
        while (true) {
            for (; i < c.n; i++) {
                if (c.key[i] > kl) {
                    return;
                }
                visit.accept(run(c, i));
            }
            if (++ci >= chunks.size()) {
                return;
            }
            c = chunks.get(ci);
            i = 0;
        }
    }

    /** Every run in IOVA order. */
    List<PteRun> all() {
        List<PteRun> out = new ArrayList<>(size);
        for (Chunk c : chunks) {
            for (int i = 0; i < c.n; i++) {
                out.add(run(c, i));
            }
        }
        return out;
    }

    /** Hands every run to {@code visit} in IOVA order, one {@link PteRun} at a time. */
    void forEach(java.util.function.Consumer<PteRun> visit) {
        for (Chunk c : chunks) {
            for (int i = 0; i < c.n; i++) {
                visit.accept(run(c, i));
            }
        }
    }

    /** Adds {@code r}, whose start no stored run has. */
    void add(PteRun r) {
        long k = flip(r.iova());
        if (chunks.isEmpty()) {
            chunks.add(new Chunk());
            insertFirstKey(0, k);
        }
        int ci = chunkFor(k);
        Chunk c = chunks.get(ci);
        int i = c.floor(k);
        if (i >= 0 && c.key[i] == k) {
            throw new IllegalStateException("a run already starts at IOVA 0x" + Long.toHexString(r.iova()));
        }
        i++;
        if (c.n == c.key.length) {
            c.grow();
        }
        int tail = c.n - i;
        System.arraycopy(c.key, i, c.key, i + 1, tail);
        System.arraycopy(c.pfn, i, c.pfn, i + 1, tail);
        System.arraycopy(c.count, i, c.count, i + 1, tail);
        System.arraycopy(c.shift, i, c.shift, i + 1, tail);
        System.arraycopy(c.flags, i, c.flags, i + 1, tail);
        c.key[i] = k;
        c.pfn[i] = narrow(r.paddr(), PAGE_MASK, PAGE_SHIFT, k, widePaddr);
        c.count[i] = narrow(r.count(), 0, 0, k, wideCount);
        c.shift[i] = (byte) Long.numberOfTrailingZeros(r.pgsize());
        int prot = r.prot().bits();
        if ((prot & ~PROT_MASK) != 0) {
            throw new IllegalArgumentException("prot bits 0x" + Integer.toHexString(prot) + " outside IOMMU_*");
        }
        c.flags[i] = (byte) (prot | (r.startMark() ? START_MARK : 0) | (r.lastMark() ? LAST_MARK : 0));
        c.n++;
        size++;
        if (i == 0) {
            firstKeys[ci] = k;
        }
        if (c.n > CHUNK) {
            // a run added at the end of a chunk starts the next one, so the ascending cursors of
            // pinning threads leave full chunks behind them rather than half-empty ones
            split(ci, i == c.n - 1 ? c.n - 1 : c.n / 2);
        }
    }

    private void split(int ci, int half) {
        Chunk c = chunks.get(ci);
        Chunk d = new Chunk();
        int m = c.n - half;
        d.key = Arrays.copyOfRange(c.key, half, half + Math.max(16, m));
        d.pfn = Arrays.copyOfRange(c.pfn, half, half + Math.max(16, m));
        d.count = Arrays.copyOfRange(c.count, half, half + Math.max(16, m));
        d.shift = Arrays.copyOfRange(c.shift, half, half + Math.max(16, m));
        d.flags = Arrays.copyOfRange(c.flags, half, half + Math.max(16, m));
        d.n = m;
        c.n = half;
        // the left part keeps only a little room: behind a pinning thread's cursor it gets no more runs
        int keep = half + 16;
        c.key = Arrays.copyOf(c.key, keep);
        c.pfn = Arrays.copyOf(c.pfn, keep);
        c.count = Arrays.copyOf(c.count, keep);
        c.shift = Arrays.copyOf(c.shift, keep);
        c.flags = Arrays.copyOf(c.flags, keep);
        chunks.add(ci + 1, d);
        insertFirstKey(ci + 1, d.key[0]);
    }

    /** Removes the run starting at {@code iova}; there must be one. */
    void remove(long iova) {
        long k = flip(iova);
        int ci = chunkFor(k);
        Chunk c = chunks.isEmpty() ? null : chunks.get(ci);
        int i = c == null ? -1 : c.floor(k);
        if (i < 0 || c.key[i] != k) {
            throw new IllegalStateException("no run starts at IOVA 0x" + Long.toHexString(iova));
        }
        if (c.pfn[i] == WIDE) {
            widePaddr.remove(k);
        }
        if (c.count[i] == WIDE) {
            wideCount.remove(k);
        }
        int tail = c.n - i - 1;
        System.arraycopy(c.key, i + 1, c.key, i, tail);
        System.arraycopy(c.pfn, i + 1, c.pfn, i, tail);
        System.arraycopy(c.count, i + 1, c.count, i, tail);
        System.arraycopy(c.shift, i + 1, c.shift, i, tail);
        System.arraycopy(c.flags, i + 1, c.flags, i, tail);
        c.n--;
        size--;
        if (c.n == 0) {
            chunks.remove(ci);
            removeFirstKey(ci);
        } else if (i == 0) {
            firstKeys[ci] = c.key[0];
        }
    }

    /** Heap bytes of the columns (PteRunStoreTest bounds them per run). */
    long heapBytes() {
        long b = 40 + 16 + 4L * chunks.size() + 16 + 8L * firstKeys.length + 64L * (widePaddr.size() + wideCount.size());
        for (Chunk c : chunks) {
            b += 32 + 5 * 16 + c.key.length * (8L + 4 + 4 + 1 + 1);
        }
        return b;
    }
}
