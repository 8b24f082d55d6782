package org.kemu.mmgup.phys;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.kemu.mmgup.LayoutPolicy;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.Vmstat;
import org.kemu.mmgup.Zone;
import org.kemu.schedfair.Backend;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * Physical memory in 1 GiB blocks, split on demand into 2 MiB blocks, whose order-0 pages are bitmaps
 * with shared or packed refcounts ({@link SmallBlock}). Large folios keep one refcount and one exact
 * pin count each. Nothing is allocated per page.
 *
 * <p>Locking: every mutation happens under {@link #meta()}, an innermost spinlock held for no virtual
 * time. It stands in for the atomic refcount operations and the buddy lists' own locking so that the
 * hosted backend sees consistent state; contention on the allocator is modelled separately by each
 * node's zone lock ({@link #zoneLock(int)}), which the mm layer holds around the allocation work.
 * Methods named {@code ...Locked} require {@code meta} to be held (or the kernel not yet running).
 */
public final class PhysicalMemoryImpl implements PhysicalMemory {
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

    private final Kernel kernel;
    private final MemoryConfig config;
    private final MmCosts costs;
    private final NodeMem[] nodes;
    private final long nodeSpan;
    private final int noise;
    private final long noiseSeed;
    private final RandomGenerator random;
    private final SpinLock meta;
    private final TreeMap<Long, Integer> bigRefs = new TreeMap<>();
    private final long[] resv = new long[2];
    private final List<long[]> ioRegions = new ArrayList<>();
    private long ioTop;

    private long nrFollPinAcquired;
    private long nrFollPinReleased;
    private long pgfault;
    private long thpFaultAlloc;
    private long thpFaultFallback;
    private long pgmigrateSuccess;
    private long pgmigrateFail;
    private long gupWarnings;

    public PhysicalMemoryImpl(Kernel kernel, MemoryConfig config, MmCosts costs) {
        this.kernel = kernel;
        this.config = config;
        this.costs = costs;
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
            m.zoneLock = kernel.spinlock("zone->lock:node" + n);
            for (int z = 0; z < 2; z++) {
                long blocks = m.zoneEnd(z) - m.zoneStart(z);
                m.free[z] = blocks * (512 - noise);
                m.wholeFreeBlocks[z] = noise == 0 ? blocks : 0;
            }
            nodes[n] = m;
        }
        this.ioTop = nodeSpan * nr;
        // Boot-time pools are carved out before anything else runs, so fragmentation does not hit them.
        for (NodeMem m : nodes) {
            for (long i = 0; i < config.bootHugepages1gPerNode(); i++) {
                long head = takeGiganticLocked(m, true);
                KernelException.require(head >= 0, Errno.ENOMEM, "hugepages=1G",
                        "node " + m.nid + " has no room for " + config.bootHugepages1gPerNode() + " 1 GiB pages");
                m.hugeFree1g.push(head);
                m.nrHuge1g++;
            }
            for (long i = 0; i < config.bootHugepages2mPerNode(); i++) {
                long head = takeWholeBlockLocked(m, 0, B_HUGETLB, true);
                KernelException.require(head >= 0, Errno.ENOMEM, "hugepages=2M",
                        "node " + m.nid + " has no room for " + config.bootHugepages2mPerNode() + " 2 MiB pages");
                m.hugeFree2m.push(head);
                m.nrHuge2m++;
            }
        }
    }

    // ---- geometry -------------------------------------------------------------------------------

    public Kernel kernel() {
        return kernel;
    }

    public MmCosts costs() {
        return costs;
    }

    /**
     * The metadata lock. In the simulated backend exactly one task runs at a time and nothing yields
     * while the lock would be held, so the lock is elided there (it would only add lock-op wall time);
     * the hosted backend gets the real spinlock.
     */
    public SpinLock meta() {
        return meta;
    }

    public SpinLock zoneLock(int nid) {
        return nodes[nid].zoneLock;
    }

    @Override
    public MemoryConfig config() {
        return config;
    }

    @Override
    public int nrNodes() {
        return nodes.length;
    }

    @Override
    public long nodeStartPfn(int nid) {
        return nodes[nid].startPfn;
    }

    @Override
    public long nodePages(int nid) {
        return nodes[nid].nrPages;
    }

    @Override
    public long zoneStartPfn(int nid, Zone zone) {
        NodeMem m = nodes[nid];
        return m.startPfn + ((long) m.zoneStart(zone.ordinal()) << 9);
    }

    @Override
    public boolean pfnValid(long pfn) {
        if (pfn < 0 || pfn >= nodeSpan * nodes.length) {
            return false;
        }
        return pfn - (pfn / nodeSpan) * nodeSpan < nodes[(int) (pfn / nodeSpan)].nrPages;
    }

    @Override
    public boolean isInvalidReserved(long pfn) {
        return !pfnValid(pfn);
    }

    private NodeMem node(long pfn) {
        if (!pfnValid(pfn)) {
            throw new IllegalArgumentException("pfn " + pfn + " is not RAM");
        }
        return nodes[(int) (pfn / nodeSpan)];
    }

    @Override
    public int nodeOf(long pfn) {
        if (!pfnValid(pfn)) {
            return -1;
        }
        return (int) (pfn / nodeSpan);
    }

    @Override
    public Zone zoneOf(long pfn) {
        NodeMem m = node(pfn);
        return block(m, pfn) >= m.movableStartBlock ? Zone.MOVABLE : Zone.NORMAL;
    }

    private static int block(NodeMem m, long pfn) {
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

    private GigaBlock split(NodeMem m, int g) {
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

    private boolean wholeFree(byte s) {
        return s == B_CLEAN || (s == B_PRISTINE && noise == 0);
    }

    private int freeIn(NodeMem m, int b) {
        byte s = blockState(m, b);
        return switch (s) {
            case B_PRISTINE -> 512 - noise;
            case B_CLEAN -> 512;
            case B_SMALL -> 512 - m.gigas[b >>> 9].small[b & 511].nrUsed;
            default -> 0;
        };
    }

    // ---- queries --------------------------------------------------------------------------------

    @Override
    public boolean isAllocated(long pfn) {
        NodeMem m = node(pfn);
        int b = block(m, pfn);
        return switch (blockState(m, b)) {
            case B_SMALL -> m.gigas[b >>> 9].small[b & 511].isUsed((int) (pfn & 511));
            case B_THP -> true;
            case B_HUGETLB -> m.gigas[b >>> 9].hugeRef[b & 511] > 0;
            case B_GIGA -> m.gigaRef[b >>> 9] > 0;
            case B_PRISTINE -> noise > 0 && noiseBits(m, b)[(int) (pfn & 511) >>> 6] << ~(pfn & 63) < 0;
            default -> false;
        };
    }

    @Override
    public int folioOrder(long pfn) {
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

    @Override
    public boolean isHugetlb(long pfn) {
        if (!pfnValid(pfn)) {
            return false;
        }
        NodeMem m = node(pfn);
        byte s = blockState(m, block(m, pfn));
        return s == B_HUGETLB || s == B_GIGA;
    }

    @Override
    public int refcount(long pfn) {
        if (!pfnValid(pfn)) {
            return 0;
        }
        NodeMem m = node(pfn);
        int b = block(m, pfn);
        return switch (blockState(m, b)) {
            case B_SMALL -> smallRef(m.gigas[b >>> 9].small[b & 511], (int) (pfn & 511), pfn);
            case B_THP, B_HUGETLB -> m.gigas[b >>> 9].hugeRef[b & 511];
            case B_GIGA -> m.gigaRef[b >>> 9];
            case B_PRISTINE -> isAllocated(pfn) ? 1 : 0;
            default -> 0;
        };
    }

    @Override
    public int pincount(long pfn) {
        if (!pfnValid(pfn)) {
            return 0;
        }
        NodeMem m = node(pfn);
        int b = block(m, pfn);
        return switch (blockState(m, b)) {
            case B_SMALL -> refcount(pfn) / MmConstants.GUP_PIN_COUNTING_BIAS;
            case B_THP, B_HUGETLB -> m.gigas[b >>> 9].hugePin[b & 511];
            case B_GIGA -> m.gigaPin[b >>> 9];
            default -> 0;
        };
    }

    @Override
    public long freePages(int nid, Zone zone) {
        return nodes[nid].free[zone.ordinal()];
    }

    @Override
    public long addIoRegion(long nrPages) {
        KernelException.require(nrPages > 0, Errno.EINVAL, "io_region", "empty IO region");
        long base = ioTop;
        ioRegions.add(new long[] {base, base + nrPages});
        ioTop = (base + nrPages + MmConstants.PUD_PAGES - 1) & -(long) MmConstants.PUD_PAGES;
        return base;
    }

    // ---- small pages ----------------------------------------------------------------------------

    private int smallRef(SmallBlock sb, int i, long pfn) {
        if (!sb.isUsed(i)) {
            return 0;
        }
        if (sb.refs == null) {
            return sb.uniform;
        }
        char v = sb.refs[i];
        return v == SmallBlock.BIG ? bigRefs.get(pfn) : v;
    }

    private void setSmallRef(SmallBlock sb, int i, long pfn, int v) {
        if (sb.refs[i] == SmallBlock.BIG) {
            bigRefs.remove(pfn);
        }
        if (v >= SmallBlock.BIG) {
            sb.refs[i] = SmallBlock.BIG;
            bigRefs.put(pfn, v);
        } else {
            sb.refs[i] = (char) v;
        }
    }

    private long[] noiseBits(NodeMem m, int b) {
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

    /** The small-page block {@code b}, created from a free block if needed. */
    private SmallBlock smallBlock(NodeMem m, int b) {
        GigaBlock gb = split(m, b >>> 9);
        int i = b & 511;
        byte s = gb.state[i];
        if (s == B_SMALL) {
            return gb.small[i];
        }
        SmallBlock sb = new SmallBlock();
        if (s == B_PRISTINE && noise > 0) {
            long[] bits = noiseBits(m, b);
            System.arraycopy(bits, 0, sb.used, 0, 8);
            sb.nrUsed = noise;
            sb.uniform = 1;
        }
        if (wholeFree(s)) {
            m.wholeFreeBlocks[NodeMem.zoneIndexOf(m, b)]--;
        }
        gb.state[i] = B_SMALL;
        gb.small[i] = sb;
        return sb;
    }

    private void takeSmall(SmallBlock sb, int i) {
        if (sb.refs == null) {
            if (sb.nrUsed == 0) {
                sb.uniform = 1;
            } else if (sb.uniform != 1) {
                sb.materialise();
            }
        }
        sb.setUsed(i);
        if (sb.refs != null) {
            sb.refs[i] = 1;
        }
    }

    /**
     * Allocates up to {@code n} order-0 pages with refcount 1 into {@code out[off..]}: ZONE_MOVABLE
     * first when {@code movable} (GFP_HIGHUSER_MOVABLE), then ZONE_NORMAL; the preferred node first.
     * Returns how many it got (fewer only when memory is exhausted).
     */
    public int allocSmallLocked(int prefNid, boolean movable, int n, long[] out, int off) {
        int got = 0;
        for (int z = movable ? 1 : 0; z >= 0 && got < n; z--) {
            for (int k = 0; k < nodes.length && got < n; k++) {
                NodeMem m = nodes[(prefNid + k) % nodes.length];
                got += config.layout() == LayoutPolicy.RANDOM
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
            if (freeIn(m, b) == 0) {
                b++;
                continue;
            }
            SmallBlock sb = smallBlock(m, b);
            long base = m.startPfn + ((long) b << 9);
            for (int w = 0; w < 8 && got < want; w++) {
                long freeBits = ~sb.used[w];
                while (freeBits != 0 && got < want) {
                    int i = (w << 6) + Long.numberOfTrailingZeros(freeBits);
                    freeBits &= freeBits - 1;
                    takeSmall(sb, i);
                    out[off + got++] = base + i;
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
            int r = random.nextInt(size);
            for (int k = 0; k < size; k++) {
                int c = start + (r + k) % size;
                if (freeIn(m, c) > 0) {
                    b = c;
                    break;
                }
            }
            if (b < 0) {
                break;
            }
            SmallBlock sb = smallBlock(m, b);
            int nth = random.nextInt(512 - sb.nrUsed);
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

    private void freeSmallPage(NodeMem m, int b, SmallBlock sb, int i) {
        sb.clearUsed(i);
        if (sb.refs != null) {
            sb.refs[i] = 0;
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

    // ---- large folios ---------------------------------------------------------------------------

    /** Takes a whole free 2 MiB block of zone {@code z} as a folio in state {@code as}; -1 if none. */
    private long takeWholeBlockLocked(NodeMem m, int z, byte as, boolean boot) {
        if (m.wholeFreeBlocks[z] == 0 && !boot) {
            return -1;
        }
        int start = m.zoneStart(z);
        int end = m.zoneEnd(z);
        int size = end - start;
        boolean rnd = config.layout() == LayoutPolicy.RANDOM && !boot;
        int first = rnd ? start + random.nextInt(Math.max(1, size)) : Math.max(start, m.hugeCursor[z]);
        for (int k = 0; k < size; k++) {
            int b = rnd ? start + (first - start + k) % size : first + k;
            if (b >= end) {
                break;
            }
            if (m.gigaState[b >>> 9] == G_FOLIO) {
                continue;
            }
            byte s = blockState(m, b);
            if (!(wholeFree(s) || (boot && s == B_PRISTINE))) {
                continue;
            }
            GigaBlock gb = split(m, b >>> 9);
            gb.ensureHuge();
            gb.state[b & 511] = as;
            gb.hugeRef[b & 511] = as == B_THP ? 1 : 0;
            gb.hugePin[b & 511] = 0;
            m.free[z] -= s == B_PRISTINE ? 512 - noise : 512;
            if (wholeFree(s)) {
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

    private long takeGiganticLocked(NodeMem m, boolean boot) {
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

    /**
     * Allocates a THP (order 9, refcount 1) for an anonymous fault: movable zone first, preferred node
     * first; -1 when no node has a free 2 MiB block (the caller falls back to 4 KiB pages).
     */
    public long allocThpLocked(int prefNid, boolean movable) {
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

    private void freeLargeFolio(NodeMem m, long head, int b) {
        byte s = blockState(m, b);
        if (s == B_GIGA) {
            m.hugeFree1g.push(head);
        } else if (s == B_HUGETLB) {
            m.hugeFree2m.push(head);
        } else {
            GigaBlock gb = m.gigas[b >>> 9];
            gb.state[b & 511] = B_CLEAN;
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
    }

    // ---- references and pins --------------------------------------------------------------------

    /**
     * Pages from {@code pfn} to the end of its folio (large) or its 2 MiB block (small pages, each its
     * own folio), capped at {@code max}: the unit {@link #addRefsLocked} works on.
     */
    public int runEnd(long pfn, int max) {
        int order = folioOrder(pfn);
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
        NodeMem m = node(pfn);
        int b = block(m, pfn);
        byte s = blockState(m, b);
        if (s == B_GIGA) {
            int g = b >>> 9;
            m.gigaRef[g] += perPageLarge * n;
            m.gigaPin[g] += pinsPerPage * n;
            if (m.gigaRef[g] == 0) {
                freeLargeFolio(m, m.startPfn + ((long) g << 18), b);
            }
            return;
        }
        if (s == B_THP || s == B_HUGETLB) {
            GigaBlock gb = m.gigas[b >>> 9];
            gb.hugeRef[b & 511] += perPageLarge * n;
            gb.hugePin[b & 511] += pinsPerPage * n;
            if (gb.hugeRef[b & 511] == 0) {
                freeLargeFolio(m, m.startPfn + ((long) b << 9), b);
            }
            return;
        }
        if (s != B_SMALL) {
            throw new IllegalStateException("pfn " + pfn + " is not allocated");
        }
        SmallBlock sb = m.gigas[b >>> 9].small[b & 511];
        int o = (int) (pfn & 511);
        if (sb.refs == null && sb.coversAllUsed(o, n)) {
            int nv = sb.uniform + perPageSmall;
            if (nv > 0 && nv < SmallBlock.BIG) {
                sb.uniform = (char) nv;
                return;
            }
        }
        sb.materialise();
        for (int i = o; i < o + n; i++) {
            int v = smallRef(sb, i, pfn - o + i) + perPageSmall;
            if (v == 0) {
                freeSmallPage(m, b, sb, i);
                if (sb.nrUsed == 0) {
                    return;
                }
            } else {
                setSmallRef(sb, i, pfn - o + i, v);
            }
        }
    }

    /** Whether every page of the run can lose {@code perPageSmall}/{@code perPageLarge} references and {@code pins} pins. */
    public boolean canDropLocked(long pfn, int n, int perPageSmall, int perPageLarge, int pinsPerPage) {
        if (!pfnValid(pfn)) {
            return false;
        }
        int order = folioOrder(pfn);
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

    // ---- hugetlb --------------------------------------------------------------------------------

    private static int hidx(int order) {
        return order == MmConstants.PUD_ORDER ? 1 : 0;
    }

    private static void checkOrder(int order) {
        KernelException.require(order == MmConstants.PMD_ORDER || order == MmConstants.PUD_ORDER, Errno.EINVAL,
                "hugetlb:order", "no hstate of order " + order);
    }

    private LongStack pool(NodeMem m, int order) {
        return order == MmConstants.PUD_ORDER ? m.hugeFree1g : m.hugeFree2m;
    }

    /** Reserves {@code n} huge pages of {@code order} (hugetlb_acct_memory); false if the pools cannot. */
    public boolean reserveHugetlbLocked(int order, long n) {
        long free = 0;
        for (NodeMem m : nodes) {
            free += pool(m, order).size();
        }
        if (free - resv[hidx(order)] < n) {
            return false;
        }
        resv[hidx(order)] += n;
        return true;
    }

    public void unreserveHugetlbLocked(int order, long n) {
        resv[hidx(order)] -= n;
    }

    /** Takes a free huge page (refcount 1) for a fault, consuming one reservation; -1 if none. */
    public long allocHugetlbLocked(int prefNid, int order) {
        for (int k = 0; k < nodes.length; k++) {
            LongStack s = pool(nodes[(prefNid + k) % nodes.length], order);
            if (s.size() > 0) {
                long head = s.popLowest();
                NodeMem m = node(head);
                int b = block(m, head);
                if (order == MmConstants.PUD_ORDER) {
                    m.gigaRef[b >>> 9] = 1;
                } else {
                    m.gigas[b >>> 9].hugeRef[b & 511] = 1;
                }
                resv[hidx(order)] = Math.max(0, resv[hidx(order)] - 1);
                return head;
            }
        }
        return -1;
    }

    @Override
    public boolean hugetlbReservePages(int order, long n) {
        checkOrder(order);
        KernelException.require(n >= 0, Errno.EINVAL, "hugetlb:reserve", "negative count");
        meta.lock();
        try {
            return reserveHugetlbLocked(order, n);
        } finally {
            meta.unlock();
        }
    }

    @Override
    public void hugetlbUnreservePages(int order, long n) {
        checkOrder(order);
        meta.lock();
        try {
            KernelException.require(n >= 0 && n <= resv[hidx(order)], Errno.EINVAL, "hugetlb:unreserve",
                    "cannot drop " + n + " of " + resv[hidx(order)] + " reservations");
            unreserveHugetlbLocked(order, n);
        } finally {
            meta.unlock();
        }
    }

    @Override
    public long allocHugetlbFolio(int prefNid, int order, boolean consumeReservation, boolean thisNodeOnly) {
        checkOrder(order);
        KernelException.require(prefNid >= 0 && prefNid < nodes.length, Errno.EINVAL, "hugetlb:node",
                "no node " + prefNid);
        meta.lock();
        try {
            if (thisNodeOnly && pool(nodes[prefNid], order).size() == 0) {
                return -1;
            }
            long resvBefore = resv[hidx(order)];
            if (!consumeReservation) {
                long free = 0;
                for (NodeMem m : nodes) {
                    free += pool(m, order).size();
                }
                if (free - resvBefore <= 0) {
                    return -1;
                }
            }
            long head = allocHugetlbLocked(prefNid, order);
            if (!consumeReservation) {
                // an unreserved allocation must not consume somebody else's reservation
                resv[hidx(order)] = resvBefore;
            }
            return head;
        } finally {
            meta.unlock();
        }
    }

    @Override
    public void freeHugetlbFolio(long head) {
        KernelException.require(isHugetlb(head) && folioHead(head) == head && refcount(head) > 0, Errno.EINVAL,
                "hugetlb:free", "not an allocated hugetlb folio head: pfn " + head);
        meta.lock();
        try {
            addRefsLocked(head, 1, 0, -1, 0);
        } finally {
            meta.unlock();
        }
    }

    @Override
    public long nrHugepages(int nid, int order) {
        checkOrder(order);
        return order == MmConstants.PUD_ORDER ? nodes[nid].nrHuge1g : nodes[nid].nrHuge2m;
    }

    @Override
    public long freeHugepages(int nid, int order) {
        checkOrder(order);
        return pool(nodes[nid], order).size();
    }

    @Override
    public long resvHugepages(int order) {
        checkOrder(order);
        return resv[hidx(order)];
    }

    @Override
    public void setNrHugepages(int nid, int order, long count) {
        checkOrder(order);
        KernelException.require(nid >= 0 && nid < nodes.length, Errno.EINVAL, "hugetlb:node", "no node " + nid);
        KernelException.require(count >= 0, Errno.EINVAL, "hugetlb:count", "negative count");
        NodeMem m = nodes[nid];
        boolean giga = order == MmConstants.PUD_ORDER;
        m.zoneLock.lock();
        long grown = 0;
        try {
            meta.lock();
            try {
                while ((giga ? m.nrHuge1g : m.nrHuge2m) < count) {
                    long head = giga ? takeGiganticLocked(m, false) : takeWholeBlockLocked(m, 0, B_HUGETLB, false);
                    if (head < 0) {
                        break;
                    }
                    pool(m, order).push(head);
                    if (giga) {
                        m.nrHuge1g++;
                    } else {
                        m.nrHuge2m++;
                    }
                    grown++;
                }
                // Shrinking frees only free pages, and never below the reservations (set_max_huge_pages).
                while ((giga ? m.nrHuge1g : m.nrHuge2m) > count && pool(m, order).size() > 0
                        && totalFree(order) > resv[hidx(order)]) {
                    long head = pool(m, order).popHighest();
                    int b = block(m, head);
                    if (giga) {
                        m.gigaState[b >>> 9] = G_CLEAN;
                        m.free[0] += 512L * 512;
                        m.wholeFreeBlocks[0] += 512;
                        m.nrHuge1g--;
                    } else {
                        m.gigas[b >>> 9].state[b & 511] = B_CLEAN;
                        int z = NodeMem.zoneIndexOf(m, b);
                        m.free[z] += 512;
                        m.wholeFreeBlocks[z]++;
                        m.hugeCursor[z] = Math.min(m.hugeCursor[z], b);
                        m.smallCursor[z] = Math.min(m.smallCursor[z], b);
                        m.nrHuge2m--;
                    }
                }
            } finally {
                meta.unlock();
            }
            kernel.work(grown * costs.hugetlbPoolAllocNs());
        } finally {
            m.zoneLock.unlock();
        }
    }

    private long totalFree(int order) {
        long f = 0;
        for (NodeMem m : nodes) {
            f += pool(m, order).size();
        }
        return f;
    }

    // ---- counters and checks --------------------------------------------------------------------

    public void countPins(long acquired, long released) {
        nrFollPinAcquired += acquired;
        nrFollPinReleased += released;
    }

    public void countFaults(long pages, long thpAlloc, long thpFallback) {
        pgfault += pages;
        thpFaultAlloc += thpAlloc;
        thpFaultFallback += thpFallback;
    }

    public void countMigrations(long ok, long failed) {
        pgmigrateSuccess += ok;
        pgmigrateFail += failed;
    }

    public void countGupWarning() {
        gupWarnings++;
    }

    @Override
    public Vmstat vmstat() {
        return new Vmstat(nrFollPinAcquired, nrFollPinReleased, pgfault, thpFaultAlloc, thpFaultFallback,
                pgmigrateSuccess, pgmigrateFail, gupWarnings);
    }

    @Override
    public long pinnedPages() {
        long sum = 0;
        for (NodeMem m : nodes) {
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
            return (long) sb.nrUsed * (sb.uniform / MmConstants.GUP_PIN_COUNTING_BIAS);
        }
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            if (sb.isUsed(i)) {
                sum += smallRef(sb, i, base + i) / MmConstants.GUP_PIN_COUNTING_BIAS;
            }
        }
        return sum;
    }

    @Override
    public long[] pinnedPfns(int max) {
        long[] out = new long[max];
        int n = 0;
        for (NodeMem m : nodes) {
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
        return java.util.Arrays.copyOf(out, n);
    }

    @Override
    public long estimatedHeapBytes() {
        long b = 0;
        for (NodeMem m : nodes) {
            b += 200 + m.nrGigas * (1L + 4 + 4 + 4) + m.hugeFree1g.heapBytes() + m.hugeFree2m.heapBytes();
            for (GigaBlock gb : m.gigas) {
                if (gb != null) {
                    b += gb.heapBytes();
                }
            }
        }
        return b + 64L * bigRefs.size();
    }
}
