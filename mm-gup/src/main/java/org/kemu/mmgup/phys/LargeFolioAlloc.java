package org.kemu.mmgup.phys;

import static org.kemu.mmgup.phys.MemMap.B_CLEAN;
import static org.kemu.mmgup.phys.MemMap.B_PRISTINE;
import static org.kemu.mmgup.phys.MemMap.B_THP;
import static org.kemu.mmgup.phys.MemMap.G_CLEAN;
import static org.kemu.mmgup.phys.MemMap.G_FOLIO;
import static org.kemu.mmgup.phys.MemMap.G_PRISTINE;

import org.kemu.mmgup.LayoutPolicy;

/**
 * Large folios from the buddy allocator: order 9 ({@code __alloc_pages(order = 9)}, for THP faults
 * and hugetlb pool growth) needs a whole free 2 MiB block; order 18 ({@code alloc_contig_pages}, for
 * gigantic hugetlb pages) a whole free 1 GiB block of ZONE_NORMAL. Contiguous layouts scan from a
 * per-zone cursor, {@link LayoutPolicy#RANDOM} from a seeded random block.
 */
public final class LargeFolioAlloc {
    private final MemMap map;

    LargeFolioAlloc(MemMap map) {
        this.map = map;
    }

    /**
     * Allocates a THP (order 9, refcount 1) for an anonymous fault: movable zone first, preferred node
     * first; -1 when no node has a free 2 MiB block (the caller falls back to 4 KiB pages).
     */
    public long allocThpLocked(int prefNid, boolean movable) {
        NodeMem[] nodes = map.nodes;
        for (int z = movable ? 1 : 0; z >= 0; z--) {
            for (int k = 0; k < nodes.length; k++) {
                long head = takeWholeBlockLocked(nodes[(prefNid + k) % nodes.length], z, B_THP, false);
                if (head >= 0) {
                    return head;
                }
            }
        }
        return -1;
    }

    /**
     * Takes a whole free 2 MiB block of zone {@code z} as a folio in block state {@code as} (refcount 1
     * for a THP, 0 for a pool page); -1 if none. At boot a pristine block is taken even when
     * fragmentation noise would occupy it later.
     */
    long takeWholeBlockLocked(NodeMem m, int z, byte as, boolean boot) {
        if (m.wholeFreeBlocks[z] == 0 && !boot) {
            return -1;
        }
        int start = m.zoneStart(z);
        int end = m.zoneEnd(z);
        int size = end - start;
        boolean rnd = map.config.layout() == LayoutPolicy.RANDOM && !boot;
        int first = rnd ? start + map.random.nextInt(Math.max(1, size)) : Math.max(start, m.hugeCursor[z]);
        for (int k = 0; k < size; k++) {
            int b = rnd ? start + (first - start + k) % size : first + k;
            if (b >= end) {
                break;
            }
            if (m.gigaState[b >>> 9] == G_FOLIO) {
                continue;
            }
            byte s = map.blockState(m, b);
            if (!(map.wholeFree(s) || (boot && s == B_PRISTINE))) {
                continue;
            }
            GigaBlock gb = map.split(m, b >>> 9);
            gb.ensureHuge();
            gb.state[b & 511] = as;
            gb.hugeRef[b & 511] = as == B_THP ? 1 : 0;
            gb.hugePin[b & 511] = 0;
            m.free[z] -= s == B_PRISTINE ? 512 - map.noise : 512;
            if (map.wholeFree(s)) {
                m.wholeFreeBlocks[z]--;
            }
            if (!rnd) {
                m.hugeCursor[z] = b + 1;
            }
            return m.startPfn + ((long) b << 9);
        }
        if (!rnd) {
            m.hugeCursor[z] = end;
        }
        return -1;
    }

    /** Takes a whole free 1 GiB block of ZONE_NORMAL as a gigantic folio (refcount 0); -1 if none. */
    long takeGiganticLocked(NodeMem m, boolean boot) {
        int noise = map.noise;
        for (int g = 0; g < m.nrGigas; g++) {
            int lastBlock = (g << 9) + 511;
            if (lastBlock >= m.movableStartBlock || lastBlock >= m.nrBlocks) {
                break;
            }
            byte gs = m.gigaState[g];
            if (gs == G_CLEAN || (gs == G_PRISTINE && (noise == 0 || boot))) {
                m.gigaState[g] = G_FOLIO;
                m.gigaRef[g] = 0;
                m.gigaPin[g] = 0;
                m.free[0] -= gs == G_PRISTINE ? 512L * (512 - noise) : 512L * 512;
                if (gs == G_CLEAN || noise == 0) {
                    m.wholeFreeBlocks[0] -= 512;
                }
                return m.startPfn + ((long) g << 18);
            }
        }
        return -1;
    }

    /** Gives the 2 MiB folio at block {@code b} (a THP, or a page leaving a hugetlb pool) back to the buddy allocator. */
    void freeBlockLocked(NodeMem m, int b) {
        m.gigas[b >>> 9].state[b & 511] = B_CLEAN;
        int z = NodeMem.zoneIndexOf(m, b);
        m.free[z] += 512;
        m.wholeFreeBlocks[z]++;
        if (b < m.hugeCursor[z]) {
            m.hugeCursor[z] = b;
        }
        if (b < m.smallCursor[z]) {
            m.smallCursor[z] = b;
        }
    }

    /** Gives the gigantic folio of 1 GiB block {@code g} (leaving a hugetlb pool) back to the buddy allocator. */
    void freeGiganticLocked(NodeMem m, int g) {
        m.gigaState[g] = G_CLEAN;
        m.free[0] += 512L * 512;
        m.wholeFreeBlocks[0] += 512;
    }
}
