package org.kemu.mmgup.phys;

import static org.kemu.mmgup.phys.MemMap.B_GIGA;
import static org.kemu.mmgup.phys.MemMap.B_HUGETLB;
import static org.kemu.mmgup.phys.MemMap.B_PRISTINE;
import static org.kemu.mmgup.phys.MemMap.B_SMALL;
import static org.kemu.mmgup.phys.MemMap.B_THP;
import static org.kemu.mmgup.phys.MemMap.G_FOLIO;
import static org.kemu.mmgup.phys.MemMap.G_SPLIT;

import java.util.Arrays;
import java.util.TreeMap;
import org.kemu.mmgup.MmConstants;

/**
 * Folio reference and pin counts (include/linux/mm.h {@code folio_ref_*}, mm/gup.c
 * {@code try_grab_folio} / {@code gup_put_folio}): a small page's pin is GUP_PIN_COUNTING_BIAS
 * references, a large folio keeps one refcount and an exact {@code _pincount}. Small pages' counts
 * are packed per 2 MiB block ({@link SmallBlock}), counts from 0xFFFF up live in {@link #bigRefs}.
 * The last reference frees the page to its allocator, or a hugetlb folio to its pool.
 */
public final class FolioRefs {
    private final MemMap map;
    private final PageAlloc pages;
    private final LargeFolioAlloc folios;
    private final HugetlbPool hugetlb;
    private final TreeMap<Long, Integer> bigRefs = new TreeMap<>();
    private final MemcgPages memcg = new MemcgPages();

    FolioRefs(MemMap map, PageAlloc pages, LargeFolioAlloc folios, HugetlbPool hugetlb) {
        this.map = map;
        this.pages = pages;
        this.folios = folios;
        this.hugetlb = hugetlb;
    }

    /** The memcg charges of user pages, uncharged here when a page's last reference goes. */
    public MemcgPages memcg() {
        return memcg;
    }

    // ---- queries --------------------------------------------------------------------------------

    boolean isAllocated(long pfn) {
        NodeMem m = map.node(pfn);
        int b = MemMap.block(m, pfn);
        return switch (map.blockState(m, b)) {
            case B_SMALL -> m.gigas[b >>> 9].small[b & 511].isUsed((int) (pfn & 511));
            case B_THP -> true;
            case B_HUGETLB -> m.gigas[b >>> 9].hugeRef[b & 511] > 0;
            case B_GIGA -> m.gigaRef[b >>> 9] > 0;
            case B_PRISTINE -> map.noise > 0 && map.noiseBits(m, b)[(int) (pfn & 511) >>> 6] << ~(pfn & 63) < 0;
            default -> false;
        };
    }

    /** {@code folio_ref_count()} of the folio containing {@code pfn}. */
    public int refcount(long pfn) {
        if (!map.pfnValid(pfn)) {
            return 0;
        }
        NodeMem m = map.node(pfn);
        int b = MemMap.block(m, pfn);
        return switch (map.blockState(m, b)) {
            case B_SMALL -> smallRef(m.gigas[b >>> 9].small[b & 511], (int) (pfn & 511), pfn);
            case B_THP, B_HUGETLB -> m.gigas[b >>> 9].hugeRef[b & 511];
            case B_GIGA -> m.gigaRef[b >>> 9];
            case B_PRISTINE -> isAllocated(pfn) ? 1 : 0;
            default -> 0;
        };
    }

    /** Exact {@code _pincount} of a large folio; {@code refcount / GUP_PIN_COUNTING_BIAS} for a small page. */
    public int pincount(long pfn) {
        if (!map.pfnValid(pfn)) {
            return 0;
        }
        NodeMem m = map.node(pfn);
        int b = MemMap.block(m, pfn);
        return switch (map.blockState(m, b)) {
            case B_SMALL -> refcount(pfn) / MmConstants.GUP_PIN_COUNTING_BIAS;
            case B_THP, B_HUGETLB -> m.gigas[b >>> 9].hugePin[b & 511];
            case B_GIGA -> m.gigaPin[b >>> 9];
            default -> 0;
        };
    }

    private int smallRef(SmallBlock sb, int i, long pfn) {
        if (!sb.isUsed(i)) {
            return 0;
        }
        if (sb.refs == null) {
            return sb.packedValue(i);
        }
        char v = sb.refs[i];
        return v == SmallBlock.BIG ? bigRefs.get(pfn) : v;
    }

    private void setSmallRef(SmallBlock sb, int i, long pfn, int v) {
        if (sb.refs[i] == SmallBlock.BIG) {
            bigRefs.remove(pfn);
        }
        if (v >= SmallBlock.BIG) {
            sb.store(i, SmallBlock.BIG);
            bigRefs.put(pfn, v);
        } else {
            sb.store(i, (char) v);
        }
    }

    // ---- changes --------------------------------------------------------------------------------

    /**
     * Pages from {@code pfn} to the end of its folio (large) or its 2 MiB block (small pages, each its
     * own folio), capped at {@code max}: the unit {@link #addRefsLocked} works on.
     */
    public int runEnd(long pfn, int max) {
        int order = map.folioOrder(pfn);
        long limit = order == MmConstants.PUD_ORDER ? MmConstants.PUD_PAGES : MmConstants.PMD_PAGES;
        long left = limit - (pfn & (limit - 1));
        return (int) Math.min(max, left);
    }

    /**
     * Adds {@code perPage * n} references to pages {@code [pfn, pfn + n)} (one {@link #runEnd} run) and,
     * on a large folio, {@code pins} to its exact pin count. A small page's refcount moves by
     * {@code perPage} each (1 for a reference, GUP_PIN_COUNTING_BIAS for a pin); a large folio's by
     * {@code n * perPageLarge}. A count that reaches 0 frees the page or folio. The caller has checked
     * with {@link #canDropLocked} before a negative change.
     */
    public void addRefsLocked(long pfn, int n, int perPageSmall, int perPageLarge, int pinsPerPage) {
        NodeMem m = map.node(pfn);
        int b = MemMap.block(m, pfn);
        byte s = map.blockState(m, b);
        if (s == B_GIGA) {
            int g = b >>> 9;
            m.gigaRef[g] += perPageLarge * n;
            m.gigaPin[g] += pinsPerPage * n;
            if (m.gigaRef[g] == 0) {
                hugetlb.enqueueLocked(m, m.startPfn + ((long) g << 18), true);
            }
            return;
        }
        if (s == B_THP || s == B_HUGETLB) {
            GigaBlock gb = m.gigas[b >>> 9];
            gb.hugeRef[b & 511] += perPageLarge * n;
            gb.hugePin[b & 511] += pinsPerPage * n;
            if (gb.hugeRef[b & 511] == 0) {
                if (s == B_HUGETLB) {
                    hugetlb.enqueueLocked(m, m.startPfn + ((long) b << 9), false);
                } else {
                    memcg.uncharge(m.startPfn + ((long) b << 9));
                    folios.freeBlockLocked(m, b);
                }
            }
            return;
        }
        if (s != B_SMALL) {
            throw new IllegalStateException("pfn " + pfn + " is not allocated");
        }
        SmallBlock sb = m.gigas[b >>> 9].small[b & 511];
        int o = (int) (pfn & 511);
        if (sb.refs == null && sb.alt == null && sb.coversAllUsed(o, n)) {
            int nv = sb.uniform + perPageSmall;
            if (nv > 0 && nv < SmallBlock.BIG) {
                sb.uniform = (char) nv;
                return;
            }
        }
        if (sb.refs == null && sb.tryTwoValue(o, n, perPageSmall)) {
            return;
        }
        sb.materialise();
        char[] refs = sb.refs;
        for (int i = o; i < o + n; i++) {
            if (refs[i] != SmallBlock.BIG && sb.isUsed(i)) {
                // the common case, a used page whose count stays in 1..0xFFFE: what the general path
                // below would store, without its lookups
                int v = refs[i] + perPageSmall;
                if (v > 0 && v < SmallBlock.BIG) {
                    sb.store(i, (char) v);
                    continue;
                }
            }
            int v = smallRef(sb, i, pfn - o + i) + perPageSmall;
            if (v == 0) {
                memcg.uncharge(pfn - o + i);
                pages.freeSmallPageLocked(m, b, sb, i);
                if (sb.nrUsed == 0) {
                    return;
                }
            } else {
                setSmallRef(sb, i, pfn - o + i, v);
            }
        }
        sb.collapseIfUniform();
    }

    /** {@code folio_put()} of one reference on the large folio at {@code head}, taking the metadata lock. */
    public void putFolio(long head) {
        map.meta.lock();
        try {
            addRefsLocked(head, 1, 0, -1, 0);
        } finally {
            map.meta.unlock();
        }
    }

    /** Whether every page of the run can lose {@code perPageSmall}/{@code perPageLarge} references and {@code pins} pins. */
    public boolean canDropLocked(long pfn, int n, int perPageSmall, int perPageLarge, int pinsPerPage) {
        if (!map.pfnValid(pfn)) {
            return false;
        }
        int order = map.folioOrder(pfn);
        if (order > 0) {
            return refcount(pfn) >= (long) perPageLarge * n && pincount(pfn) >= (long) pinsPerPage * n;
        }
        for (long p = pfn; p < pfn + n; p++) {
            if (refcount(p) < perPageSmall) {
                return false;
            }
        }
        return true;
    }

    // ---- pins over all of memory, for checkers ---------------------------------------------------

    long pinnedPages() {
        long sum = 0;
        for (NodeMem m : map.nodes) {
            for (int g = 0; g < m.nrGigas; g++) {
                if (m.gigaState[g] == G_FOLIO) {
                    sum += m.gigaPin[g];
                } else if (m.gigaState[g] == G_SPLIT) {
                    GigaBlock gb = m.gigas[g];
                    for (int i = 0; i < 512; i++) {
                        byte s = gb.state[i];
                        if (s == B_THP || s == B_HUGETLB) {
                            sum += gb.hugePin[i];
                        } else if (s == B_SMALL) {
                            sum += smallPins(m.startPfn + ((long) ((g << 9) + i) << 9), gb.small[i]);
                        }
                    }
                }
            }
        }
        return sum;
    }

    private long smallPins(long base, SmallBlock sb) {
        if (sb.refs == null) {
            int inAlt = 0;
            if (sb.alt != null) {
                for (long w : sb.alt) {
                    inAlt += Long.bitCount(w);
                }
            }
            return (long) (sb.nrUsed - inAlt) * (sb.uniform / MmConstants.GUP_PIN_COUNTING_BIAS)
                    + (long) inAlt * (sb.altValue / MmConstants.GUP_PIN_COUNTING_BIAS);
        }
        // used pages only, by their bits: a terabyte of COWed 4 KiB pages is half a million blocks
        long sum = 0;
        for (int w = 0; w < 8; w++) {
            long bits = sb.used[w];
            while (bits != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                int v = sb.refs[i];
                if (v >= MmConstants.GUP_PIN_COUNTING_BIAS) {
                    sum += (v == SmallBlock.BIG ? bigRefs.get(base + i) : v) / MmConstants.GUP_PIN_COUNTING_BIAS;
                }
            }
        }
        return sum;
    }

    long[] pinnedPfns(int max) {
        long[] out = new long[max];
        int n = 0;
        for (NodeMem m : map.nodes) {
            for (int g = 0; g < m.nrGigas && n < max; g++) {
                if (m.gigaState[g] == G_FOLIO) {
                    if (m.gigaPin[g] > 0) {
                        out[n++] = m.startPfn + ((long) g << 18);
                    }
                } else if (m.gigaState[g] == G_SPLIT) {
                    GigaBlock gb = m.gigas[g];
                    for (int i = 0; i < 512 && n < max; i++) {
                        long base = m.startPfn + ((long) ((g << 9) + i) << 9);
                        byte s = gb.state[i];
                        if ((s == B_THP || s == B_HUGETLB) && gb.hugePin[i] > 0) {
                            out[n++] = base;
                        } else if (s == B_SMALL && smallPins(base, gb.small[i]) > 0) {
                            for (int j = 0; j < 512 && n < max; j++) {
                                if (gb.small[i].isUsed(j) && smallRef(gb.small[i], j, base + j)
                                        >= MmConstants.GUP_PIN_COUNTING_BIAS) {
                                    out[n++] = base + j;
                                }
                            }
                        }
                    }
                }
            }
        }
        return Arrays.copyOf(out, n);
    }

    long heapBytes() {
        return 64L * bigRefs.size();
    }
}
