package org.kemu.mmgup.phys;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.kemu.mmgup.LayoutPolicy;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.Zone;
import org.kemu.schedfair.Backend;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * The memory map (the kernel's {@code mem_map} and sparse sections, include/linux/mmzone.h): the
 * nodes, their zones, and what each 1 GiB and 2 MiB block holds. Blocks stand in for struct pages:
 * a 1 GiB block is pristine, clean, a gigantic folio or split into 2 MiB blocks, and a 2 MiB block
 * is pristine, clean, small pages, a THP, a hugetlb folio or absent (past the node's end).
 *
 * <p>"Pristine" is free memory never touched since boot: under {@link LayoutPolicy#FRAGMENTED} each
 * such 2 MiB block holds {@code noise} pages of other users at seeded positions ({@link #noiseBits}),
 * so they cost nothing until the block is first used.
 *
 * <p>Locking: every mutation happens under {@link #meta}, an innermost spinlock held for no virtual
 * time. It stands in for the atomic refcount operations and the buddy lists' own locking so that the
 * hosted backend sees consistent state; contention on the allocator is modelled separately by each
 * node's zone lock. Methods named {@code ...Locked} require {@code meta} to be held (or the kernel not
 * yet running).
 */
final class MemMap {
    static final byte B_PRISTINE = 0;
    static final byte B_CLEAN = 1;
    static final byte B_SMALL = 2;
    static final byte B_THP = 3;
    static final byte B_HUGETLB = 4;
    static final byte B_ABSENT = 5;
    static final byte B_GIGA = 6;

    static final byte G_PRISTINE = 0;
    static final byte G_CLEAN = 1;
    static final byte G_FOLIO = 2;
    static final byte G_SPLIT = 3;

    final MemoryConfig config;
    final NodeMem[] nodes;
    final long nodeSpan;
    /** Pages of other users in each pristine 2 MiB block (FRAGMENTED layout), else 0. */
    final int noise;
    private final long noiseSeed;
    /** The layout's random stream, shared by the small-page and large-folio allocators in draw order. */
    final RandomGenerator random;
    /**
     * The metadata lock. In the simulated backend exactly one task runs at a time and nothing yields
     * while the lock would be held, so the lock is elided there (it would only add lock-op wall time);
     * the hosted backend gets the real spinlock.
     */
    final SpinLock meta;

    MemMap(Kernel kernel, MemoryConfig config) {
        this.config = config;
        long bytes = config.bytesPerNode() == 0 ? kernel.topology().memoryPerNodeBytes() : config.bytesPerNode();
        long pages = (bytes >>> MmConstants.PAGE_SHIFT) & -(long) MmConstants.PMD_PAGES;
        KernelException.require(pages > 0, Errno.EINVAL, "memory:bytes", "a node needs at least 2 MiB");
        KernelException.require(pages <= (1L << 31) * 512, Errno.EINVAL, "memory:bytes", "node too large");
        this.nodeSpan = (pages + MmConstants.PUD_PAGES - 1) & -(long) MmConstants.PUD_PAGES;
        int nr = kernel.topology().nodes();
        KernelException.require(nodeSpan * nr < (1L << 32) - 1, Errno.EINVAL, "memory:bytes",
                "at most 16 TiB of RAM: page tables store pfns in 32 bits");
        this.noise = config.layout() == LayoutPolicy.FRAGMENTED ? config.fragmentedOccupiedPerBlock() : 0;
        this.noiseSeed = kernel.random("mm-gup:fragmented").nextLong();
        this.random = kernel.random("mm-gup:layout");
        this.meta = kernel.backend() == Backend.SIMULATED ? NoopLock.INSTANCE : kernel.spinlock("mm-gup:pfn-meta");
        this.nodes = new NodeMem[nr];
        for (int n = 0; n < nr; n++) {
            NodeMem m = new NodeMem(n, n * nodeSpan, pages, config.movableFraction());
            m.zoneLock = kernel.spinlock("zone->lock:node" + n, "zone->lock"); // zone_init_internals: one class for every zone
            for (int z = 0; z < 2; z++) {
                long blocks = m.zoneEnd(z) - m.zoneStart(z);
                m.free[z] = blocks * (512 - noise);
                m.wholeFreeBlocks[z] = noise == 0 ? blocks : 0;
            }
            nodes[n] = m;
        }
    }

    /** {@code pfn_valid()}: the pfn is RAM with a struct page. */
    boolean pfnValid(long pfn) {
        if (pfn < 0 || pfn >= nodeSpan * nodes.length) {
            return false;
        }
        return pfn - (pfn / nodeSpan) * nodeSpan < nodes[(int) (pfn / nodeSpan)].nrPages;
    }

    NodeMem node(long pfn) {
        if (!pfnValid(pfn)) {
            throw new IllegalArgumentException("pfn " + pfn + " is not RAM");
        }
        return nodes[(int) (pfn / nodeSpan)];
    }

    int nodeOf(long pfn) {
        if (!pfnValid(pfn)) {
            return -1;
        }
        return (int) (pfn / nodeSpan);
    }

    Zone zoneOf(long pfn) {
        NodeMem m = node(pfn);
        return block(m, pfn) >= m.movableStartBlock ? Zone.MOVABLE : Zone.NORMAL;
    }

    static int block(NodeMem m, long pfn) {
        return (int) ((pfn - m.startPfn) >>> 9);
    }

    byte blockState(NodeMem m, int b) {
        return switch (m.gigaState[b >>> 9]) {
            case G_PRISTINE -> B_PRISTINE;
            case G_CLEAN -> B_CLEAN;
            case G_FOLIO -> B_GIGA;
            default -> m.gigas[b >>> 9].state[b & 511];
        };
    }

    /** The 2 MiB blocks of 1 GiB block {@code g}, materialised on first use. */
    GigaBlock split(NodeMem m, int g) {
        if (m.gigaState[g] == G_SPLIT) {
            return m.gigas[g];
        }
        if (m.gigaState[g] == G_FOLIO) {
            throw new IllegalStateException("cannot split a gigantic folio");
        }
        GigaBlock gb = new GigaBlock();
        byte s = m.gigaState[g] == G_CLEAN ? B_CLEAN : B_PRISTINE;
        for (int i = 0; i < 512; i++) {
            gb.state[i] = (g << 9) + i < m.nrBlocks ? s : B_ABSENT;
        }
        m.gigas[g] = gb;
        m.gigaState[g] = G_SPLIT;
        return gb;
    }

    /** Whether a block in state {@code s} is free as a whole (a 2 MiB folio fits). */
    boolean wholeFree(byte s) {
        return s == B_CLEAN || (s == B_PRISTINE && noise == 0);
    }

    /** Free order-0 pages in block {@code b}. */
    int freeIn(NodeMem m, int b) {
        byte s = blockState(m, b);
        return switch (s) {
            case B_PRISTINE -> 512 - noise;
            case B_CLEAN -> 512;
            case B_SMALL -> 512 - m.gigas[b >>> 9].small[b & 511].nrUsed;
            default -> 0;
        };
    }

    /** The pages other users hold in pristine block {@code b}: a pure function of the seed and the block. */
    long[] noiseBits(NodeMem m, int b) {
        long[] bits = new long[8];
        SplittableRandom r = new SplittableRandom(noiseSeed ^ ((m.startPfn / 512 + b) * 0x9E3779B97F4A7C15L));
        int placed = 0;
        while (placed < noise) {
            int i = r.nextInt(512);
            if ((bits[i >>> 6] & (1L << i)) == 0) {
                bits[i >>> 6] |= 1L << i;
                placed++;
            }
        }
        return bits;
    }

    int folioOrder(long pfn) {
        if (!pfnValid(pfn)) {
            return 0;
        }
        NodeMem m = node(pfn);
        return switch (blockState(m, block(m, pfn))) {
            case B_THP, B_HUGETLB -> MmConstants.PMD_ORDER;
            case B_GIGA -> MmConstants.PUD_ORDER;
            default -> 0;
        };
    }

    boolean isHugetlb(long pfn) {
        if (!pfnValid(pfn)) {
            return false;
        }
        NodeMem m = node(pfn);
        byte s = blockState(m, block(m, pfn));
        return s == B_HUGETLB || s == B_GIGA;
    }

    long heapBytes() {
        long b = 0;
        for (NodeMem m : nodes) {
            b += 200 + m.nrGigas * (1L + 4 + 4 + 4) + m.hugeFree1g.heapBytes() + m.hugeFree2m.heapBytes();
            for (GigaBlock gb : m.gigas) {
                if (gb != null) {
                    b += gb.heapBytes();
                }
            }
        }
        return b;
    }
}
