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
}
