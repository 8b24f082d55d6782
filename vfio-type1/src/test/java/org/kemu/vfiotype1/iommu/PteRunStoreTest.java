package org.kemu.vfiotype1.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.vfiotype1.IommuProt;

/**
 * The column store behind {@link IoPageTable} answers every ordered query as a tree keyed by unsigned
 * IOVA would, across chunk splits and removals, whether a run's address and count fit the int columns or not,
 * and costs at most 24 bytes a run.
 */
class PteRunStoreTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void agreesWithAnUnsignedTreeMap(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        PteRunStore store = new PteRunStore();
        TreeMap<Long, PteRun> model = new TreeMap<>(Long::compareUnsigned);
        // keys in a few clusters, one above 2^63, so unsigned order and chunk splits both matter
        long[] bases = {0, 1L << 32, 0x7FFF_FFFF_F000_0000L, 0xFFFF_FFFF_0000_0000L};
        for (int step = 0; step < 20_000; step++) {
            long key = bases[rnd.nextInt(bases.length)] + ((long) rnd.nextInt(1 << 16) << 12);
            int op = rnd.nextInt(10);
            if (op < 6) {
                if (!model.containsKey(key)) {
                    PteRun r = new PteRun(key, paddr(rnd), 1L << (12 + 9 * rnd.nextInt(3)), count(rnd),
                            new IommuProt(rnd.nextInt(64)), rnd.nextBoolean(), rnd.nextBoolean());
                    store.add(r);
                    model.put(key, r);
                }
            } else if (op < 8) {
                Long k = model.ceilingKey(key);
                if (k != null) {
                    store.remove(k);
                    model.remove(k);
                }
            } else {
                assertThat(store.floor(key)).isEqualTo(value(model.floorEntry(key)));
                assertThat(store.lower(key)).isEqualTo(value(model.lowerEntry(key)));
                assertThat(store.ceiling(key)).isEqualTo(value(model.ceilingEntry(key)));
                // the allocation-free forms IoPageTable uses, against the same questions on the model
                long start = key - ((long) rnd.nextInt(1 << 10) << 12);
                PteRun fl = value(model.floorEntry(key));
                assertThat(store.floorReaches(key, start))
                        .isEqualTo(fl != null && Long.compareUnsigned(fl.last(), start) >= 0);
                PteRun probe = new PteRun(key, paddr(rnd), 1L << (12 + 9 * rnd.nextInt(3)), count(rnd),
                        new IommuProt(rnd.nextInt(64)), false, false);
                PteRun lo = value(model.lowerEntry(key));
                if (lo != null && rnd.nextBoolean()) {
                    // a probe that does join its lower neighbour (most random probes do not)
                    probe = new PteRun(lo.last() + 1, lo.paddr() + lo.size(), lo.pgsize(), 1, lo.prot(), false, false);
                }
                PteRun below = value(model.lowerEntry(probe.iova()));
                assertThat(store.lowerJoins(probe.iova(), probe.paddr(), probe.pgsize(), probe.prot()))
                        .isEqualTo(below != null && joinable(below, probe));
                PteRun ce = value(model.ceilingEntry(key));
                long at = key;
                long pa = paddr(rnd);
                if (ce != null && rnd.nextBoolean()) {
                    at = ce.iova();
                    pa = ce.paddr();
                }
                PteRun above = value(model.ceilingEntry(at));
                PteRun left = new PteRun(at - probe.pgsize(), pa - probe.pgsize(), probe.pgsize(), 1,
                        above != null && rnd.nextBoolean() ? above.prot() : probe.prot(), false, false);
                assertThat(store.ceilingJoins(at, pa, left.pgsize(), left.prot()))
                        .isEqualTo(above != null && joinable(left, above));
                long last = key + ((long) rnd.nextInt(1 << 10) << 12);
                if (Long.compareUnsigned(last, key) >= 0) {
                    assertThat(store.startingIn(key, last))
                            .isEqualTo(new ArrayList<>(model.subMap(key, true, last, true).values()));
                }
            }
            assertThat(store.size()).isEqualTo(model.size());
        }
        assertThat(store.all()).isEqualTo(new ArrayList<>(model.values()));
        List<PteRun> visited = new ArrayList<>();
        store.forEach(visited::add);
        assertThat(visited).isEqualTo(new ArrayList<>(model.values()));
    }

    @Test
    void aMillionRunsCostAtMost24BytesEach() {
        PteRunStore store = new PteRunStore();
        SplittableRandom rnd = new SplittableRandom(7);
        // sixteen writers' ascending cursors, as sixteen pinning threads map their chunks
        long[] cursor = new long[16];
        for (int t = 0; t < 16; t++) {
            cursor[t] = (long) t << 36;
        }
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            int t = rnd.nextInt(16);
            store.add(new PteRun(cursor[t], (long) i << 21, 4096, 63, IommuProt.RW, false, false));
            cursor[t] += 64L << 12;
        }
        assertThat(store.size()).isEqualTo(n);
        assertThat(store.heapBytes() / n).isLessThanOrEqualTo(24);
    }

    @Test
    void addingAnExistingStartOrRemovingAMissingOneIsABug() {
        PteRunStore store = new PteRunStore();
        PteRun r = new PteRun(0x1000, 0x2000, 4096, 1, IommuProt.RW, false, false);
        store.add(r);
        assertThatThrownBy(() -> store.add(r)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.remove(0x3000)).isInstanceOf(IllegalStateException.class);
        store.remove(0x1000);
        assertThat(store.size()).isZero();
        assertThat(store.floor(0x1000)).isNull();
    }

    /** Mostly frames below 16 TiB (the int column), some past it or not page-aligned (the wide map). */
    private static long paddr(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextLong(1L << 40) << 12;
            case 1 -> (rnd.nextLong(1L << 32) << 12) + rnd.nextInt(4096);
            default -> rnd.nextLong(0xFFFF_FFFFL) << 12;
        };
    }

    /** Mostly a few hundred leaves, some past what an unsigned int holds. */
    private static long count(SplittableRandom rnd) {
        return rnd.nextInt(8) == 0 ? 0xFFFF_FFFEL + rnd.nextInt(3) : 1 + rnd.nextInt(500);
    }

    private static PteRun value(Map.Entry<Long, PteRun> e) {
        return e == null ? null : e.getValue();
    }

    /** IoPageTable's merge rule: a ends right before b, in IOVA and PA, with leaves and prot alike. */
    private static boolean joinable(PteRun a, PteRun b) {
        return a.last() + 1 == b.iova() && a.pgsize() == b.pgsize() && a.paddr() + a.size() == b.paddr()
                && a.prot().equals(b.prot());
    }

    /**
     * floorReaches, lowerJoins and ceilingJoins (IoPageTable's overlap and merge tests without run
     * objects) on runs that do and do not join: across a chunk boundary, with a physical address past
     * 16 TiB and a count past 2^32 (the wide side maps), and for every field that must match.
     */
    @Test
    void joinQueriesFindTheNeighboursThatMerge() {
        PteRunStore store = new PteRunStore();
        IommuProt rw = new IommuProt(3);
        long k4 = 1L << 12;
        // 3000 runs of 2 x 4 KiB, 4 KiB apart: chunks split, and run n's neighbours are n - 1 and n + 1
        for (int n = 0; n < 3000; n++) {
            store.add(new PteRun(n * 3 * k4, (1L << 40) + n * 3 * k4, k4, 2, rw, false, false));
        }
        long wideIova = 1L << 44;
        long widePaddr = 1L << 45; // frame past 2^32: the wide paddr map
        long wideCount = (1L << 32) + 5; // the wide count map
        store.add(new PteRun(wideIova, widePaddr, k4, wideCount, rw, false, false));
        for (int n = 1; n < 3000; n++) {
            long end = n * 3 * k4 - k4; // one page past run n - 1
            PteRun prev = new PteRun((n - 1) * 3 * k4, (1L << 40) + (n - 1) * 3 * k4, k4, 2, rw, false, false);
            assertThat(store.floorReaches(end - 1, end - 1)).isTrue();
            assertThat(store.floorReaches(end, end)).isFalse();
            assertThat(store.lowerJoins(end, prev.paddr() + prev.size(), k4, rw)).as("run %d", n).isTrue();
            assertThat(store.lowerJoins(end + k4, prev.paddr() + prev.size() + k4, k4, rw)).isFalse();
            assertThat(store.lowerJoins(end, prev.paddr() + prev.size() + k4, k4, rw)).isFalse();
            assertThat(store.lowerJoins(end, prev.paddr() + prev.size(), 2 * k4, rw)).isFalse();
            assertThat(store.lowerJoins(end, prev.paddr() + prev.size(), k4, new IommuProt(1))).isFalse();
            long start = n * 3 * k4;
            long pa = (1L << 40) + start;
            assertThat(store.ceilingJoins(start, pa, k4, rw)).as("run %d", n).isTrue();
            assertThat(store.ceilingJoins(start - k4, pa, k4, rw)).as("a gap before run %d", n).isFalse();
            assertThat(store.ceilingJoins(start, pa + k4, k4, rw)).isFalse();
            assertThat(store.ceilingJoins(start, pa, 2 * k4, rw)).isFalse();
            assertThat(store.ceilingJoins(start, pa, k4, new IommuProt(1))).isFalse();
        }
        long wideEnd = wideIova + wideCount * k4;
        assertThat(store.lowerJoins(wideEnd, widePaddr + wideCount * k4, k4, rw)).isTrue();
        assertThat(store.floorReaches(wideEnd - 1, wideIova + k4)).isTrue();
        assertThat(store.floorReaches(wideEnd, wideEnd)).isFalse();
        assertThat(store.ceilingJoins(wideIova, widePaddr, k4, rw)).isTrue();
        assertThat(store.ceilingJoins(wideEnd, widePaddr, k4, rw)).as("nothing above").isFalse();
        assertThat(new PteRunStore().lowerJoins(k4, 0, k4, rw)).isFalse();
        assertThat(new PteRunStore().ceilingJoins(0, 0, k4, rw)).isFalse();
        assertThat(new PteRunStore().floorReaches(k4, 0)).isFalse();
    }
}
