package org.kemu.vfiotype1.iommu;

import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An IO page table stored as runs of same-size leaves keyed by IOVA (unsigned order), never one
 * object per page: a 128 GiB hugetlb guest mapped with 2 MiB leaves is one run per physically
 * contiguous piece. Leaf counts by size are kept incrementally.
 *
 * <p>Not synchronised: the owning domain serialises access.
 */
final class IoPageTable {
    private final PteRunStore runs = new PteRunStore();
    private final long[] leavesByShift = new long[64];
    private final long granule;
    private final boolean merge;
    private long bytes;

    /**
     * @param granule the smallest leaf size; pieces left by clipping a larger leaf are stored as
     *     leaves of this size
     * @param merge whether adjacent compatible runs are joined (a real table has no notion of which
     *     map call wrote a leaf; the mock keeps runs apart because it marks every call's ends)
     */
    IoPageTable(long granule, boolean merge) {
        this.granule = granule;
        this.merge = merge;
    }

    /** The run containing {@code iova}, or null. */
    PteRun containing(long iova) {
        PteRun r = runs.floor(iova);
        return r != null && r.contains(iova) ? r : null;
    }

    /** True when any leaf lies in {@code [start, last]}. */
    boolean anyOverlap(long start, long last) {
        return runs.floorReaches(last, start);
    }

    /** The runs overlapping {@code [start, last]} in IOVA order. */
    List<PteRun> overlapping(long start, long last) {
        PteRun first = containing(start);
        return runs.startingIn(first != null ? first.iova() : start, last);
    }

    /** Hands the runs overlapping {@code [start, last]} to {@code visit} in IOVA order, without a list. */
    void forEachOverlapping(long start, long last, java.util.function.Consumer<PteRun> visit) {
        PteRun first = containing(start);
        runs.forEachStartingIn(first != null ? first.iova() : start, last, visit);
    }

    /** Adds a run that overlaps nothing present. */
    void insert(PteRun run) {
        account(run, +1);
        PteRun r = run;
        if (merge) {
            // the store tests a neighbour in its columns (the rule of PteRunStore.joins: meeting in IOVA
            // and PA, same leaf size and prot); a run object is made only to merge with it
            if (runs.lowerJoins(r.iova(), r.paddr(), r.pgsize(), r.prot())) {
                PteRun p = runs.lower(r.iova());
                runs.remove(p.iova());
                r = new PteRun(p.iova(), p.paddr(), p.pgsize(), p.count() + r.count(), p.prot(), p.startMark(),
                        r.lastMark());
            }
            if (r.last() != -1L && runs.ceilingJoins(r.last() + 1, r.paddr() + r.size(), r.pgsize(), r.prot())) {
                PteRun n = runs.ceiling(r.last() + 1);
                runs.remove(n.iova());
                r = new PteRun(r.iova(), r.paddr(), r.pgsize(), r.count() + n.count(), r.prot(), r.startMark(),
                        n.lastMark());
            }
        }
        runs.add(r);
    }

    /**
     * Removes every leaf byte in {@code [start, last]} (both granule-aligned ends); a run cut inside
     * one of its leaves keeps its outside pieces as granule-size leaves. Returns the leaves removed,
     * counting the removed part of a cut leaf in granules.
     */
    long remove(long start, long last) {
        long removedLeaves = 0;
        for (PteRun r : overlapping(start, last)) {
            runs.remove(r.iova());
            account(r, -1);
            long cutStart = Long.compareUnsigned(r.iova(), start) >= 0 ? r.iova() : start;
            long cutLast = Long.compareUnsigned(r.last(), last) <= 0 ? r.last() : last;
            if (cutStart != r.iova()) {
                putPiece(r, r.iova(), cutStart - 1, r.startMark(), false);
            }
            if (cutLast != r.last()) {
                putPiece(r, cutLast + 1, r.last(), false, r.lastMark());
            }
            long off = cutStart - r.iova();
            long len = cutLast - cutStart + 1;
            removedLeaves += (off % r.pgsize() == 0 && len % r.pgsize() == 0) ? len / r.pgsize() : len / granule;
        }
        return removedLeaves;
    }

    private void putPiece(PteRun r, long s, long l, boolean startMark, boolean lastMark) {
        long off = s - r.iova();
        long len = l - s + 1;
        long pg = (off % r.pgsize() == 0 && len % r.pgsize() == 0) ? r.pgsize() : granule;
        PteRun piece = new PteRun(s, r.paddr() + off, pg, len / pg, r.prot(), startMark, lastMark);
        account(piece, +1);
        runs.add(piece);
    }

    private void account(PteRun r, int sign) {
        leavesByShift[Long.numberOfTrailingZeros(r.pgsize())] += sign * r.count();
        bytes += sign * r.size();
    }

    long leaves(long pgsize) {
        return Long.bitCount(pgsize) == 1 ? leavesByShift[Long.numberOfTrailingZeros(pgsize)] : 0;
    }

    NavigableMap<Long, Long> leafCounts() {
        TreeMap<Long, Long> out = new TreeMap<>();
        for (int s = 0; s < 64; s++) {
            if (leavesByShift[s] != 0) {
                out.put(1L << s, leavesByShift[s]);
            }
        }
        return out;
    }

    long bytes() {
        return bytes;
    }

    int runCount() {
        return runs.size();
    }

    List<PteRun> all() {
        return runs.all();
    }

    void forEach(java.util.function.Consumer<PteRun> visit) {
        runs.forEach(visit);
    }
}
