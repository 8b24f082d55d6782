package org.kemu.mmgup.phys;

import static org.kemu.mmgup.phys.MemMap.B_CLEAN;
import static org.kemu.mmgup.phys.MemMap.B_PRISTINE;
import static org.kemu.mmgup.phys.MemMap.B_SMALL;
import static org.kemu.mmgup.phys.MemMap.G_FOLIO;

import org.kemu.mmgup.LayoutPolicy;

/**
 * The order-0 page allocator (mm/page_alloc.c {@code rmqueue} / {@code free_unref_page}): pages of
 * a zone are taken lowest first from a per-zone cursor ({@link LayoutPolicy#CONTIGUOUS} and
 * FRAGMENTED) or at seeded random positions ({@link LayoutPolicy#RANDOM}). The pages of a 2 MiB block
 * live in one {@link SmallBlock}; a block whose last page is freed becomes whole again, for large folios.
 */
public final class PageAlloc {
    private final MemMap map;

    PageAlloc(MemMap map) {
        this.map = map;
    }

    /**
     * Allocates up to {@code n} order-0 pages with refcount 1 into {@code out[off..]}: ZONE_MOVABLE
     * first when {@code movable} (GFP_HIGHUSER_MOVABLE), then ZONE_NORMAL; the preferred node first.
     * Returns how many it got (fewer only when memory is exhausted).
     */
    public int allocSmallLocked(int prefNid, boolean movable, int n, long[] out, int off) {
        NodeMem[] nodes = map.nodes;
        int got = 0;
        for (int z = movable ? 1 : 0; z >= 0 && got < n; z--) {
            for (int k = 0; k < nodes.length && got < n; k++) {
                NodeMem m = nodes[(prefNid + k) % nodes.length];
                got += map.config.layout() == LayoutPolicy.RANDOM
                        ? allocRandom(m, z, n - got, out, off + got)
                        : allocLowest(m, z, n - got, out, off + got);
            }
        }
        return got;
    }

    private int allocLowest(NodeMem m, int z, int want, long[] out, int off) {
        int got = 0;
        int b = Math.max(m.smallCursor[z], m.zoneStart(z));
        int end = m.zoneEnd(z);
        while (got < want && b < end) {
            if (m.gigaState[b >>> 9] == G_FOLIO) {
                b = ((b >>> 9) + 1) << 9;
                continue;
            }
            if (map.freeIn(m, b) == 0) {
                b++;
                continue;
            }
            SmallBlock sb = smallBlock(m, b);
            long base = m.startPfn + ((long) b << 9);
            for (int w = 0; w < 8 && got < want; w++) {
                // the lowest free pages of the word, as many as are still wanted, taken at once
                long take = lowestBits(~sb.used[w], want - got);
                if (take == 0) {
                    continue;
                }
                takeSmall(sb, w, take);
                int low = Long.numberOfTrailingZeros(take);
                int k = Long.bitCount(take);
                if (k == 64 || take >>> low == (1L << k) - 1) {
                    // one stretch of free pages (the usual case): consecutive pfns
                    long first = base + (w << 6) + low;
                    for (int j = 0; j < k; j++) {
                        out[off + got + j] = first + j;
                    }
                    got += k;
                } else {
                    for (long bits = take; bits != 0; bits &= bits - 1) {
                        out[off + got++] = base + (w << 6) + Long.numberOfTrailingZeros(bits);
                    }
                }
            }
            if (sb.nrUsed == 512) {
                b++;
            }
        }
        m.smallCursor[z] = b;
        m.free[z] -= got;
        return got;
    }

    private int allocRandom(NodeMem m, int z, int want, long[] out, int off) {
        int start = m.zoneStart(z);
        int size = m.zoneEnd(z) - start;
        int got = 0;
        while (got < want && m.free[z] > 0 && size > 0) {
            int b = -1;
            int r = map.random.nextInt(size);
            for (int k = 0; k < size; k++) {
                int c = start + (r + k) % size;
                if (map.freeIn(m, c) > 0) {
                    b = c;
                    break;
                }
            }
            if (b < 0) {
                break;
            }
            SmallBlock sb = smallBlock(m, b);
            int nth = map.random.nextInt(512 - sb.nrUsed);
            int i = 0;
            for (; i < 512; i++) {
                if (!sb.isUsed(i) && nth-- == 0) {
                    break;
                }
            }
            takeSmall(sb, i);
            out[off + got++] = m.startPfn + ((long) b << 9) + i;
            m.free[z]--;
        }
        return got;
    }

    /** The small-page block {@code b}, created from a free block if needed. */
    private SmallBlock smallBlock(NodeMem m, int b) {
        GigaBlock gb = map.split(m, b >>> 9);
        int i = b & 511;
        byte s = gb.state[i];
        if (s == B_SMALL) {
            return gb.small[i];
        }
        SmallBlock sb = new SmallBlock();
        if (s == B_PRISTINE && map.noise > 0) {
            long[] bits = map.noiseBits(m, b);
            System.arraycopy(bits, 0, sb.used, 0, 8);
            sb.nrUsed = map.noise;
            sb.uniform = 1;
        }
        if (map.wholeFree(s)) {
            m.wholeFreeBlocks[NodeMem.zoneIndexOf(m, b)]--;
        }
        gb.state[i] = B_SMALL;
        gb.small[i] = sb;
        return sb;
    }

    /** The lowest {@code k} set bits of {@code bits} (all of them if it has fewer). */
    static long lowestBits(long bits, int k) {
        if (k >= Long.bitCount(bits)) {
            return bits;
        }
        if (bits == -1L) {
            return (1L << k) - 1;
        }
        long out = 0;
        for (int j = 0; j < k; j++) {
            long low = bits & -bits;
            out |= low;
            bits ^= low;
        }
        return out;
    }

    /** Takes every page whose bit is set in {@code bits} of word {@code w} of the block, each with refcount 1. */
    private static void takeSmall(SmallBlock sb, int w, long bits) {
        if (sb.refs == null) {
            if (sb.nrUsed == 0) {
                sb.uniform = 1;
                sb.alt = null;
            } else if (sb.uniform != 1) {
                sb.materialise();
            }
        }
        sb.setUsedBits(w, bits);
        if (sb.refs != null) {
            for (long b = bits; b != 0; b &= b - 1) {
                sb.storeNewlyUsed((w << 6) + Long.numberOfTrailingZeros(b), (char) 1);
            }
        }
    }

    private static void takeSmall(SmallBlock sb, int i) {
        takeSmall(sb, i >>> 6, 1L << i);
    }

    /** Frees page {@code i} of small-page block {@code b}, whose refcount dropped to 0. */
    void freeSmallPageLocked(NodeMem m, int b, SmallBlock sb, int i) {
        sb.clearUsed(i);
        if (sb.refs != null) {
            sb.storeFreed(i);
        }
        int z = NodeMem.zoneIndexOf(m, b);
        m.free[z]++;
        if (b < m.smallCursor[z]) {
            m.smallCursor[z] = b;
        }
        if (sb.nrUsed == 0) {
            GigaBlock gb = m.gigas[b >>> 9];
            gb.small[b & 511] = null;
            gb.state[b & 511] = B_CLEAN;
            m.wholeFreeBlocks[z]++;
            if (b < m.hugeCursor[z]) {
                m.hugeCursor[z] = b;
            }
        }
    }
}
