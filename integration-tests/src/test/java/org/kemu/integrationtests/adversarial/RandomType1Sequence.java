package org.kemu.integrationtests.adversarial;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.Backing;
import org.kemu.integrationtests.adversarial.Type1Model.Dma;
import org.kemu.integrationtests.adversarial.Type1Model.Piece;
import org.kemu.mmgup.MmConstants;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuMapping;
import org.kemu.vfiotype1.VfioUapi;

/**
 * A seeded random sequence of MAP_DMA, UNMAP_DMA, mmap, munmap of mapped memory, RLIMIT_MEMLOCK
 * changes and domain attaches on one {@link Type1World}, each checked against {@link Type1Model}
 * (the errno, or the bytes unmapped) and followed by every checker: the container's invariants,
 * mm-gup's pins-balanced and locked_vm checks, and the model's view of locked_vm, pins, dma_avail,
 * the IOMMU page tables (size and translation of every dma), the hugetlb pool's free and reserved
 * pages, and free memory (exactly the boot amount whenever everything is unmapped).
 *
 * <p>Runs inside qemu's task. A failure throws an {@link AssertionError} naming the seed, the
 * operation's index and the operation, so a failing sequence is rerun by its seed.
 */
final class RandomType1Sequence {
    private static final long PAGE = MmConstants.PAGE_SIZE;
    private static final long MIB = 1L << 20;
    private static final int RW = VfioUapi.DMA_MAP_FLAG_READ | VfioUapi.DMA_MAP_FLAG_WRITE;
    /** Largest amount of anonymous memory mapped at once, so faults never run the machine out. */
    private static final long ANON_LIVE_MAX = 64 * MIB;
    private static final int MAX_DOMAINS = 3;
    /** {@code -Dkemu.adversarial.exhaustive=true}: check every IOMMU-mapped page's pin, not the ends of each run. */
    private static final boolean EXHAUSTIVE = Boolean.getBoolean("kemu.adversarial.exhaustive");

    private final Type1World w;
    private final Type1Model m;
    private final SplittableRandom rnd;
    private final long seed;
    private final Backing b;
    private final List<String> trace = new ArrayList<>();
    private long index;
    private String op = "";
    /** Counts per operation kind and outcome, for the report. */
    final java.util.Map<String, Long> counts = new java.util.TreeMap<>();
    /** Virtual time when the sequence ended (set by the caller, for the determinism check). */
    long endNs;

    RandomType1Sequence(Type1World w, long seed) {
        this.w = w;
        this.b = w.backing;
        this.m = new Type1Model(b.kind, Type1World.DMA_LIMIT);
        this.seed = seed;
        this.rnd = new SplittableRandom(seed);
    }

    /** The operations and outcomes, one line each: equal for equal seeds (determinism). */
    List<String> trace() {
        return trace;
    }

    /** Runs {@code ops} random operations, then unmaps everything and checks nothing is left. */
    void run(long ops) {
        check();
        if (rnd.nextBoolean()) {
            attach();
        }
        mmap();
        for (index = 0; index < ops; index++) {
            try {
                step();
            } catch (KernelException | IllegalStateException | NullPointerException | IllegalArgumentException e) {
                // an error the model does not account for, or a crash inside the emulated kernel
                AssertionError err = new AssertionError(where() + ": " + e + recent());
                err.initCause(e);
                throw err;
            }
            check();
        }
        op = "final quiesce";
        quiesce();
    }

    private void step() {
        int r = rnd.nextInt(100);
        if (m.pieces.isEmpty() || r < 6) {
            mmap();
        } else if (r < 40) {
            mapGood();
        } else if (r < 55) {
            mapBad();
        } else if (r < 78) {
            unmap();
        } else if (r < 86) {
            munmap();
        } else if (r < 92) {
            rlimit();
        } else if (r < 96) {
            attach();
        } else if (r < 98) {
            op = "quiesce";
            quiesce();
        } else {
            mapOverlapping();
        }
    }

    // ---- operations -------------------------------------------------------------------------------

    private void mmap() {
        long len;
        if (b.kind.isHugetlb()) {
            long maxPages = b.maxRegion / b.pageSize;
            len = b.pageSize * (1 + rnd.nextLong(b == Backing.HUGETLB_1G ? 2 : maxPages));
        } else {
            if (m.mappedBytes() >= ANON_LIVE_MAX) {
                return;
            }
            len = 2 * MIB * (1 + rnd.nextLong(b.maxRegion / (2 * MIB)));
        }
        op = "mmap " + hex(len) + " " + b.kind;
        Errno expect = null;
        if (b.kind.isHugetlb()) {
            long avail = b.poolPages() - m.liveHugePages().size() - m.deadPinnedHugePages().size();
            if (len / b.pageSize > avail) {
                expect = Errno.ENOMEM; // hugetlb_reserve_pages() cannot reserve the pages
            }
        }
        try {
            long addr = w.as.mmap(w.qemu, 0, len, b.kind, true);
            outcome(expect == null ? Set.of() : Set.of(expect), null);
            if (m.pieceAt(addr) != null || m.pieceAt(addr + len - 1) != null) {
                fail("mmap placed 0x" + Long.toHexString(addr) + " over a live mapping");
            }
            m.mmapped(addr, len);
            note("ok 0x" + Long.toHexString(addr));
        } catch (KernelException e) {
            outcome(expect == null ? Set.of() : Set.of(expect), e);
        }
    }

    private void munmap() {
        List<Piece> ps = new ArrayList<>(m.pieces.values());
        Piece p = ps.get(rnd.nextInt(ps.size()));
        long addr;
        long len;
        int r = rnd.nextInt(10);
        long unit = b.pageSize;
        if (r < 5) {
            addr = p.start();
            len = p.end() - p.start();
        } else if (r < 9) {
            long units = (p.end() - p.start()) / unit;
            long first = rnd.nextLong(units);
            addr = p.start() + first * unit;
            len = unit * (1 + rnd.nextLong(units - first));
        } else {
            // off the page size: 4 KiB inside a huge page, an unaligned address or length 0
            int k = rnd.nextInt(3);
            addr = k == 0 ? p.start() + PAGE : k == 1 ? p.start() + 123 : p.start();
            len = k == 2 ? 0 : PAGE;
        }
        op = "munmap 0x" + Long.toHexString(addr) + " " + hex(len);
        Errno expect = m.predictMunmap(addr, len);
        try {
            w.as.munmap(w.qemu, addr, len);
            outcome(expect == null ? Set.of() : Set.of(expect), null);
            m.munmapped(addr, len);
            note("ok");
        } catch (KernelException e) {
            outcome(expect == null ? Set.of() : Set.of(expect), e);
        }
    }

    private void rlimit() {
        long locked = m.lockedPages();
        int r = rnd.nextInt(10);
        long bytes;
        if (r < 2) {
            bytes = Long.MAX_VALUE;
        } else if (r < 7) {
            bytes = (locked + rnd.nextLong(4096)) * PAGE; // a little room above what is charged
        } else if (r < 9) {
            bytes = locked / 2 * PAGE; // below the current locked_vm: charged pages stay, new ones fail
        } else {
            bytes = 0;
        }
        op = "setrlimit(RLIMIT_MEMLOCK, " + (bytes == Long.MAX_VALUE ? "unlimited" : hex(bytes)) + ")";
        w.qemu.setRlimitMemlock(bytes);
        m.rlimitBytes = bytes;
        note("ok");
        count("rlimit ok");
    }

    private void attach() {
        if (w.domains.size() >= MAX_DOMAINS || (w.domains.isEmpty() && !m.dmas.isEmpty())) {
            // kemu cannot replay dmas recorded without a domain into the first one (VfioIommu.replay)
            return;
        }
        op = "attach domain " + w.domains.size();
        try {
            w.attachDomain();
            m.domains++;
            outcome(Set.of(), null);
            note("ok");
        } catch (KernelException e) {
            outcome(Set.of(), e);
        }
    }

    private void mapGood() {
        Piece p = randomPiece();
        long pieceLen = p.end() - p.start();
        long off = PAGE * rnd.nextLong(pieceLen / PAGE);
        long size = randomSize(p.end() - p.start() - off);
        if (rnd.nextInt(10) == 0) {
            size += PAGE * (1 + rnd.nextLong(16)); // past the mapping's end: partly backed
        }
        map(DmaMapRequest.rw(p.start() + off, randomIova(size), size), "map");
    }

    /** At the IOVA of an existing dma, or overlapping its end. */
    private void mapOverlapping() {
        if (m.dmas.isEmpty()) {
            mapGood();
            return;
        }
        List<Dma> ds = new ArrayList<>(m.dmas.values());
        Dma d = ds.get(rnd.nextInt(ds.size()));
        Piece p = randomPiece();
        long iova = rnd.nextBoolean() ? d.iova() : d.last() + 1 - PAGE;
        map(DmaMapRequest.rw(p.start(), iova, PAGE * (1 + rnd.nextLong(8))), "map over");
    }

    private void mapBad() {
        Piece p = randomPiece();
        long v = p.start();
        long size = PAGE * (1 + rnd.nextLong(16));
        long iova = randomIova(size);
        DmaMapRequest r = switch (rnd.nextInt(13)) {
            case 0 -> DmaMapRequest.rw(v + 0x200, iova, size); // unaligned vaddr
            case 1 -> DmaMapRequest.rw(v, iova + 0x800, size); // unaligned iova
            case 2 -> DmaMapRequest.rw(v, iova, size + 0x10); // unaligned size
            case 3 -> DmaMapRequest.rw(v, iova, 0); // zero size
            case 4 -> DmaMapRequest.rw(v, -size + PAGE, size); // IOVA wraps
            case 5 -> DmaMapRequest.rw(-PAGE, iova, 2 * PAGE); // vaddr wraps
            case 6 -> DmaMapRequest.rw(v, 1L << 48, size); // beyond the 48-bit aperture
            case 7 -> DmaMapRequest.rw(v, Type1Model.MSI_START - PAGE, 2 * PAGE); // into the MSI window
            case 8 -> DmaMapRequest.rw(0xffff_8000_0000_0000L + PAGE * rnd.nextLong(1 << 20), iova, size); // kernel half
            case 9 -> DmaMapRequest.rw(MmConstants.TASK_SIZE_MAX + PAGE, iova, size); // past TASK_SIZE
            case 10 -> DmaMapRequest.rw(PAGE * (1 + rnd.nextLong(255)), iova, size); // user hole below every mmap
            case 11 -> DmaMapRequest.of(rnd.nextBoolean() ? 0 : 1 << 7, v, iova, size); // no prot / unknown flag
            default -> w.mode.user().used() ? DmaMapRequest.rw(v, iova, size)
                    : DmaMapRequest.of(VfioUapi.DMA_MAP_FLAG_VADDR, v, iova, size); // VADDR of a valid dma
        };
        map(r, "map bad");
    }

    private void map(DmaMapRequest r, String what) {
        op = what + " vaddr 0x" + Long.toHexString(r.vaddr()) + " iova 0x" + Long.toHexString(r.iova()) + " size "
                + hex(r.size()) + " flags " + r.flags();
        boolean sliced = w.mode.user().used();
        Set<Errno> expect = sliced ? m.predictSlicedMap(r, w.mode.user().tasks()) : m.predictMap(r);
        try {
            w.mapDma(r);
            outcome(expect, null);
            if (sliced) {
                for (DmaMapRequest s : Type1Model.slices(r, w.mode.user().tasks())) {
                    m.mapped(s);
                }
            } else {
                m.mapped(r);
            }
            note("ok");
        } catch (KernelException e) {
            outcome(expect, e);
            if (sliced && !Type1Model.slices(r, 1).isEmpty()) {
                undoSlices(r);
            }
        }
    }

    /**
     * After a failed user-space MAP_DMA the slices that succeeded stay mapped (as qemu would see
     * it); qemu unmaps them. Each slice that overlapped nothing before is unmapped by its range: it
     * removes at most that slice, and afterwards the container is as it was before the call.
     */
    private void undoSlices(DmaMapRequest r) {
        String failedOp = op;
        for (DmaMapRequest s : Type1Model.slices(r, w.mode.user().tasks())) {
            if (m.find(s.iova(), s.size()) != null || ((s.size() | s.iova()) & (PAGE - 1)) != 0 || s.size() == 0
                    || Long.compareUnsigned(s.iova() + s.size() - 1, s.iova()) < 0) {
                continue;
            }
            op = failedOp + ", undo slice iova 0x" + Long.toHexString(s.iova());
            long bytes = w.c.unmapDma(DmaUnmapRequest.range(s.iova(), s.size()));
            if (bytes != 0 && bytes != s.size()) {
                fail("undo of a slice unmapped " + bytes + " bytes, the slice is " + s.size());
            }
        }
        op = failedOp;
    }

    private void unmap() {
        DmaUnmapRequest u;
        List<Dma> ds = new ArrayList<>(m.dmas.values());
        int r = rnd.nextInt(20);
        if (r < 2 || ds.isEmpty()) {
            u = DmaUnmapRequest.all();
        } else if (r < 10) {
            Dma d = ds.get(rnd.nextInt(ds.size()));
            u = DmaUnmapRequest.range(d.iova(), d.size());
        } else if (r < 12) {
            int i = rnd.nextInt(ds.size());
            int j = i + rnd.nextInt(ds.size() - i);
            u = DmaUnmapRequest.range(ds.get(i).iova(), ds.get(j).last() - ds.get(i).iova() + 1);
        } else if (r < 13) {
            // ends on the first page of a larger dma: vfio_find_dma(last, 0) misses it, so it goes whole
            Dma d = ds.get(rnd.nextInt(ds.size()));
            long start = Long.compareUnsigned(d.iova(), 16 * PAGE) >= 0 ? d.iova() - 16 * PAGE : 0;
            u = DmaUnmapRequest.range(start, d.iova() - start + PAGE);
        } else if (r < 16) {
            long iova = PAGE * rnd.nextLong(64 * MIB / PAGE);
            u = DmaUnmapRequest.range(iova, PAGE * (1 + rnd.nextLong(2048)));
        } else {
            u = switch (rnd.nextInt(5)) {
                case 0 -> DmaUnmapRequest.range(0x800, PAGE);
                case 1 -> DmaUnmapRequest.range(0, 0);
                case 2 -> DmaUnmapRequest.range(0, PAGE + 0x10);
                case 3 -> DmaUnmapRequest.range(-PAGE, 2 * PAGE);
                default -> DmaUnmapRequest.of(VfioUapi.DMA_UNMAP_FLAG_ALL, PAGE, 0);
            };
        }
        op = "unmap iova 0x" + Long.toHexString(u.iova()) + " size " + hex(u.size()) + " flags " + u.flags();
        Type1Model.UnmapOutcome expect = m.predictUnmap(u);
        try {
            long bytes = w.c.unmapDma(u);
            outcome(expect.errno() == null ? Set.of() : Set.of(expect.errno()), null);
            if (bytes != expect.bytes()) {
                fail("unmapped " + bytes + " bytes, the model removes " + expect.bytes() + " (" + expect.removed() + ")");
            }
            m.unmapped(expect.removed());
            note("ok " + bytes);
        } catch (KernelException e) {
            outcome(expect.errno() == null ? Set.of() : Set.of(expect.errno()), e);
        }
    }

    /** UNMAP_ALL, munmap of every mapping, then memory must be exactly as at boot; a new mapping after. */
    private void quiesce() {
        long bytes = w.c.unmapDma(DmaUnmapRequest.all());
        long expected = m.predictUnmap(DmaUnmapRequest.all()).bytes();
        if (bytes != expected) {
            fail("UNMAP_ALL unmapped " + bytes + ", the model has " + expected);
        }
        m.unmapped(List.copyOf(m.dmas.values()));
        for (Piece p : List.copyOf(m.pieces.values())) {
            w.as.munmap(w.qemu, p.start(), p.end() - p.start());
            m.munmapped(p.start(), p.end() - p.start());
        }
        check();
        List<String> left = new ArrayList<>();
        if (w.pm.totalFreePages() != w.bootFreePages) {
            left.add("free pages " + w.pm.totalFreePages() + " != " + w.bootFreePages + " at boot");
        }
        if (w.pm.pinnedPages() != 0 || w.qemu.lockedVm() != 0) {
            left.add("pins " + w.pm.pinnedPages() + ", locked_vm " + w.qemu.lockedVm());
        }
        if (b.kind.isHugetlb() && (w.freeHugepages() != b.poolPages() || w.pm.resvHugepages(b.order()) != 0)) {
            left.add("hugetlb free " + w.freeHugepages() + " of " + b.poolPages() + ", resv "
                    + w.pm.resvHugepages(b.order()));
        }
        if (!left.isEmpty()) {
            fail("left after unmapping everything: " + left);
        }
        note("quiesced");
        count("quiesce");
    }

    // ---- checks -----------------------------------------------------------------------------------

    private void outcome(Set<Errno> expect, KernelException e) {
        String kind = op.split(" ")[0] + (op.startsWith("map bad") ? " bad" : "");
        if (e == null) {
            if (!expect.isEmpty()) {
                fail("succeeded; the model expects " + expect);
            }
            count(kind + " ok");
            return;
        }
        if (!expect.contains(e.errno())) {
            AssertionError err = new AssertionError(where() + ": " + e.errno() + " (" + e.check() + ": " + e.getMessage()
                    + "); the model expects " + (expect.isEmpty() ? "success" : expect.toString()) + recent());
            err.initCause(e);
            throw err;
        }
        note(e.errno() + " " + e.check());
        count(kind + " " + e.errno());
    }

    /** Every checker after every operation. */
    private void check() {
        List<String> v = new ArrayList<>(w.checkers());
        long locked = m.lockedPages();
        if (w.qemu.lockedVm() != locked) {
            v.add("locked_vm " + w.qemu.lockedVm() + " != model " + locked);
        }
        if (w.pm.pinnedPages() != locked) {
            v.add("pins " + w.pm.pinnedPages() + " != model " + locked);
        }
        if (w.dmaAvail() != m.dmaAvail()) {
            v.add("dma_avail " + w.dmaAvail() + " != model " + m.dmaAvail());
        }
        checkIommu(v);
        if (EXHAUSTIVE && !w.domains.isEmpty()) {
            // each page holds exactly as many pins as the first domain maps it (once per dma)
            java.util.SortedMap<Long, Integer> pins = new java.util.TreeMap<>();
            for (IommuMapping x : w.domains.get(0).mappings()) {
                for (long o = 0; o < x.size(); o += PAGE) {
                    pins.merge(x.phys(x.iova() + o) >>> MmConstants.PAGE_SHIFT, 1, Integer::sum);
                }
            }
            v.addAll(org.kemu.mmgup.MmInvariants.checkPinsHeld(w.pm, pins));
        }
        checkHugetlbPool(v);
        if (w.pm.totalFreePages() > w.bootFreePages) {
            v.add("free pages " + w.pm.totalFreePages() + " above boot " + w.bootFreePages);
        }
        if (!v.isEmpty()) {
            fail("checkers: " + v);
        }
    }

    /** Each domain maps exactly the pinned dmas, and each translates to the page its vaddr has (while mapped). */
    private void checkIommu(List<String> v) {
        long pinnedBytes = 0;
        for (Dma d : m.dmas.values()) {
            if (d.pinned()) {
                pinnedBytes += d.size();
            }
        }
        for (IommuDomain dom : w.domains) {
            long mapped = 0;
            for (IommuMapping x : dom.mappings()) {
                mapped += x.pgsize() * x.count();
                // a device may DMA to every page a domain maps: each must hold a pin until UNMAP_DMA
                long step = EXHAUSTIVE ? PAGE : Math.max(PAGE, x.size() - PAGE);
                for (long o = 0; o < x.size(); o += step) {
                    long pfn = x.phys(x.iova() + o) >>> MmConstants.PAGE_SHIFT;
                    if (w.pm.pincount(pfn) <= 0) {
                        v.add(dom.spec().name() + ": iova 0x" + Long.toHexString(x.iova() + o) + " maps pfn " + pfn
                                + " which holds no pin");
                        break;
                    }
                }
            }
            if (mapped != pinnedBytes) {
                v.add(dom.spec().name() + " maps " + mapped + " bytes, pinned dmas " + pinnedBytes);
            }
            for (Dma d : m.dmas.values()) {
                if (!d.pinned()) {
                    continue;
                }
                long off = PAGE * rnd.split().nextLong(d.pages());
                // lookup, not iova_to_phys: physical address 0 is a real page here
                java.util.Optional<IommuMapping> leaf = dom.lookup(d.iova() + off);
                if (leaf.isEmpty()) {
                    v.add(dom.spec().name() + ": nothing at iova 0x" + Long.toHexString(d.iova() + off));
                    continue;
                }
                long phys = leaf.get().phys(d.iova() + off);
                Piece p = m.pieceAt(d.vaddr() + off);
                if (p != null && p.regionId() == d.regionAtVaddr() && m.pieceAt(d.vaddr()) != null
                        && m.pieceAt(d.vaddr()).regionId() == d.regionAtVaddr()) {
                    long pfn = w.as.followPfn(w.qemu, d.vaddr() + off);
                    if (pfn != phys >>> MmConstants.PAGE_SHIFT) {
                        v.add(dom.spec().name() + ": iova 0x" + Long.toHexString(d.iova() + off) + " -> pfn "
                                + (phys >>> MmConstants.PAGE_SHIFT) + " but vaddr maps pfn " + pfn);
                    }
                }
            }
        }
    }

    /** free = pool - faulted live pages - pinned dead pages; resv = live pages not yet faulted. */
    private void checkHugetlbPool(List<String> v) {
        if (!b.kind.isHugetlb()) {
            return;
        }
        long unfaulted = 0;
        long faulted = 0;
        for (long addr : m.liveHugePages().keySet()) {
            if (w.as.followPfn(w.qemu, addr) < 0) {
                unfaulted++;
            } else {
                faulted++;
            }
        }
        long dead = m.deadPinnedHugePages().size();
        long free = b.poolPages() - faulted - dead;
        if (w.freeHugepages() != free || w.pm.resvHugepages(b.order()) != unfaulted) {
            v.add("hugetlb free " + w.freeHugepages() + " resv " + w.pm.resvHugepages(b.order()) + ", model free " + free
                    + " resv " + unfaulted + " (" + faulted + " faulted, " + dead + " held only by pins)");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private Piece randomPiece() {
        List<Piece> ps = new ArrayList<>(m.pieces.values());
        return ps.get(rnd.nextInt(ps.size()));
    }

    /** Small runs of pages, or whole 2 MiB blocks, up to what is left of the mapping (at least a page). */
    private long randomSize(long room) {
        long size;
        int r = rnd.nextInt(10);
        if (r < 5) {
            size = PAGE * (1 + rnd.nextLong(32));
        } else if (r < 9) {
            size = 2 * MIB * (1 + rnd.nextLong(4));
        } else {
            size = b == Backing.HUGETLB_1G ? 64 * MIB : 16 * MIB;
        }
        return Math.max(PAGE, Math.min(size, room));
    }

    /** IOVAs crowded into the first 64 MiB (4 KiB or 2 MiB aligned) so that ranges collide. */
    private long randomIova(long size) {
        if (rnd.nextBoolean()) {
            return PAGE * rnd.nextLong(64 * MIB / PAGE);
        }
        return 2 * MIB * rnd.nextLong(128);
    }

    private void note(String result) {
        trace.add(index + " " + op + " -> " + result);
    }

    private void count(String key) {
        counts.merge(key, 1L, Long::sum);
    }

    private String where() {
        return w.mode + " / " + b + " seed " + seed + " op #" + index + " [" + op + "]";
    }

    private void fail(String what) {
        throw new AssertionError(where() + ": " + what + recent());
    }

    /** The last operations before this one, to read a failure without rerunning it. */
    private String recent() {
        return "\n  after:\n    " + String.join("\n    ", trace.subList(Math.max(0, trace.size() - 12), trace.size()));
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
