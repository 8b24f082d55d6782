package org.kemu.mmgup.phys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The word-at-a-time forms of SmallBlock's range operations and of the allocator's "lowest free
 * pages" agree with the page-by-page definitions they replace (issue 15: a 4 KiB pin or COW prealloc
 * calls them once per physically contiguous run, a quarter of a billion pages for a terabyte guest).
 */
class SmallBlockWordsTest {

    /** tryTwoValue as defined page by page: the reference the word form must match. */
    private static boolean tryTwoValueByPage(SmallBlock b, int o, int n, int delta) {
        if (delta == 0) {
            return true;
        }
        int inAlt = 0;
        for (int i = o; i < o + n; i++) {
            if (!b.isUsed(i)) {
                return false;
            }
            if (b.alt != null && (b.alt[i >>> 6] & (1L << i)) != 0) {
                inAlt++;
            }
        }
        if (inAlt == 0) {
            int nv = b.uniform + delta;
            if (nv <= 0 || nv >= SmallBlock.BIG) {
                return false;
            }
            if (b.alt == null) {
                b.alt = new long[8];
                b.altValue = (char) nv;
            } else if (nv != b.altValue) {
                return false;
            }
            for (int i = o; i < o + n; i++) {
                b.alt[i >>> 6] |= 1L << i;
            }
        } else if (inAlt == n) {
            if (b.altValue + delta != b.uniform) {
                return false;
            }
            for (int i = o; i < o + n; i++) {
                b.alt[i >>> 6] &= ~(1L << i);
            }
        } else {
            return false;
        }
        boolean none = true;
        boolean all = true;
        for (int w = 0; w < 8; w++) {
            none &= b.alt[w] == 0;
            all &= b.alt[w] == b.used[w];
        }
        if (all) {
            b.uniform = b.altValue;
        }
        if (none || all) {
            b.alt = null;
        }
        return true;
    }

    private static SmallBlock copy(SmallBlock b) {
        SmallBlock c = new SmallBlock();
        System.arraycopy(b.used, 0, c.used, 0, 8);
        c.nrUsed = b.nrUsed;
        c.uniform = b.uniform;
        c.alt = b.alt == null ? null : b.alt.clone();
        c.altValue = b.altValue;
        return c;
    }

    private static void assertSame(SmallBlock a, SmallBlock b) {
        assertThat(a.used).containsExactly(b.used);
        assertThat(a.nrUsed).isEqualTo(b.nrUsed);
        assertThat((int) a.uniform).isEqualTo(b.uniform);
        assertThat(a.alt == null ? null : Arrays.toString(a.alt)).isEqualTo(b.alt == null ? null : Arrays.toString(b.alt));
        if (a.alt != null) {
            assertThat((int) a.altValue).isEqualTo(b.altValue);
        }
    }

    /** A block with a seeded used map (mostly full, sometimes with holes) and maybe a two-value part. */
    private static SmallBlock randomBlock(SplittableRandom r) {
        SmallBlock b = new SmallBlock();
        int holes = r.nextInt(4) == 0 ? r.nextInt(40) : 0;
        for (int i = 0; i < 512; i++) {
            b.setUsed(i);
        }
        for (int h = 0; h < holes; h++) {
            int i = r.nextInt(512);
            if (b.isUsed(i)) {
                b.clearUsed(i);
            }
        }
        b.uniform = (char) (1 + r.nextInt(3) * 1024);
        if (r.nextBoolean()) {
            b.alt = new long[8];
            b.altValue = (char) (b.uniform + 1024);
            int from = r.nextInt(512);
            int len = r.nextInt(512 - from + 1);
            for (int i = from; i < from + len; i++) {
                if (b.isUsed(i)) {
                    b.alt[i >>> 6] |= 1L << i;
                }
            }
        }
        return b;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void wordFormsMatchThePageByPageDefinitions(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < 20_000; trial++) {
            SmallBlock b = randomBlock(r);
            int o = r.nextInt(513);
            int n = r.nextInt(513 - o);
            int delta = switch (r.nextInt(4)) {
                case 0 -> 1024;
                case 1 -> -1024;
                case 2 -> 0;
                default -> 1;
            };
            SmallBlock ref = copy(b);
            boolean want = tryTwoValueByPage(ref, o, n, delta);
            assertThat(b.tryTwoValue(o, n, delta)).as("trial %d: [%d, +%d) by %d", trial, o, n, delta).isEqualTo(want);
            assertSame(b, ref);

            boolean covers = n == b.nrUsed;
            for (int i = o; i < o + n && covers; i++) {
                covers = b.isUsed(i);
            }
            assertThat(b.coversAllUsed(o, n)).isEqualTo(covers);

            for (int w = 0; w < 8; w++) {
                long m = 0;
                for (int i = Math.max(o, w << 6); i < Math.min(o + n, (w + 1) << 6); i++) {
                    m |= 1L << i;
                }
                assertThat(SmallBlock.rangeMask(w, o, n)).isEqualTo(m);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void lowestBitsTakesTheLowestSetBits(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < 20_000; trial++) {
            long bits = switch (r.nextInt(3)) {
                case 0 -> -1L;
                case 1 -> r.nextLong();
                default -> r.nextLong() & r.nextLong();
            };
            int k = r.nextInt(70);
            long want = 0;
            long rest = bits;
            for (int j = 0; j < k && rest != 0; j++) {
                long low = rest & -rest;
                want |= low;
                rest &= rest - 1;
            }
            assertThat(PageAlloc.lowestBits(bits, k)).as("%x, %d", bits, k).isEqualTo(want);
        }
    }
}
