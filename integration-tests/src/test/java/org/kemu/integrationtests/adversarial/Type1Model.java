package org.kemu.integrationtests.adversarial;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Errno;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.VfioUapi;

/**
 * A small reference model of one qemu process and its type1v2 container, written from the v5.14
 * sources and not from kemu's code: which errno each MAP_DMA, UNMAP_DMA and munmap must give, and
 * what is mapped, pinned and charged afterwards.
 *
 * <p>MAP_DMA follows v5.14 {@code vfio_iommu_type1_map_dma()} then {@code vfio_dma_do_map()}: unknown
 * flags EINVAL; neither READ nor WRITE EINVAL; under the mutex {@code !size || (size | iova | vaddr) &
 * (pgsize - 1)} EINVAL; IOVA or vaddr wrap EINVAL; {@code vfio_find_dma()} overlap EEXIST;
 * {@code !dma_avail} ENOSPC; {@code vfio_iommu_iova_dma_valid()} EINVAL; with no IOMMU domain the dma
 * is only recorded, else {@code vfio_pin_map_dma()}: a vaddr GUP cannot pin gives EFAULT
 * ({@code vaddr_get_pfns()}), a charge past RLIMIT_MEMLOCK ENOMEM ({@code vfio_pin_pages_remote()},
 * {@code vfio_lock_acct()}); any failure removes the dma whole.
 *
 * <p>UNMAP_DMA follows v5.14 {@code vfio_dma_do_unmap()}: iova not aligned EINVAL; ALL with iova or
 * size EINVAL; else size 0 or unaligned EINVAL, wrap EINVAL; v2: a dma containing iova but starting
 * before it, or one containing {@code iova + size - 1} (found with {@code vfio_find_dma(.., 0)}, so
 * starting strictly before it) but ending after it, EINVAL; then every dma overlapping the range
 * ({@code vfio_find_dma_first_node()} on) is removed whole and its size counted.
 */
final class Type1Model {
    static final long PAGE = MmConstants.PAGE_SIZE;
    /** The x86 MSI window every VT-d domain reserves ({@code IOMMU_RESV_MSI}). */
    static final long MSI_START = 0xFEE0_0000L;
    static final long MSI_LAST = 0xFEEF_FFFFL;
    /** Last IOVA of the VT-d aperture (48-bit). */
    static final long APERTURE_LAST = (1L << 48) - 1;

    /** A piece of the address space backed by one mmap (a region id, so a later mmap at the same place differs). */
    record Piece(long start, long end, long regionId, long regionBase, VmaKind kind) {
    }

    /**
     * A dma as user space mapped it. {@code pinned}: it was pinned and IOMMU-mapped (a domain was
     * attached); {@code hugeKeys}: the huge pages its pins keep allocated; {@code regionAtVaddr}: the
     * region backing its first byte when mapped.
     */
    record Dma(long iova, long size, long vaddr, boolean pinned, Set<Long> hugeKeys, long regionAtVaddr) {
        long last() {
            return iova + size - 1;
        }

        long pages() {
            return size >>> MmConstants.PAGE_SHIFT;
        }
    }

    final VmaKind kind;
    final long hugePage;
    final int dmaLimit;
    final TreeMap<Long, Piece> pieces = new TreeMap<>();
    final TreeMap<Long, Dma> dmas = new TreeMap<>(Long::compareUnsigned);
    int domains;
    long rlimitBytes = Long.MAX_VALUE;
    private long nextRegion = 1;

    Type1Model(VmaKind kind, int dmaLimit) {
        this.kind = kind;
        this.hugePage = PAGE << kind.pageOrder();
        this.dmaLimit = dmaLimit;
    }

    // ---- address space --------------------------------------------------------------------------

    /** Records an mmap the kernel placed at {@code addr}. */
    void mmapped(long addr, long len) {
        long id = nextRegion++;
        pieces.put(addr, new Piece(addr, addr + len, id, addr, kind));
    }

    /** The piece containing {@code addr}, or null. */
    Piece pieceAt(long addr) {
        Map.Entry<Long, Piece> e = pieces.floorEntry(addr);
        return e != null && addr < e.getValue().end() ? e.getValue() : null;
    }

    /** Whether every byte of {@code [vaddr, vaddr + size)} is mapped (size > 0, no wrap). */
    boolean backed(long vaddr, long size) {
        long at = vaddr;
        long end = vaddr + size;
        if (Long.compareUnsigned(end, vaddr) <= 0 || vaddr < 0) {
            return false;
        }
        while (at < end) {
            Piece p = pieceAt(at);
            if (p == null) {
                return false;
            }
            at = p.end();
        }
        return true;
    }

    long mappedBytes() {
        long s = 0;
        for (Piece p : pieces.values()) {
            s += p.end() - p.start();
        }
        return s;
    }

    /**
     * The errno munmap must give ({@code __do_munmap()}): null for success. EINVAL for an unaligned
     * address, length 0, a range past TASK_SIZE, or an end inside a hugetlb mapping off its page
     * size ({@code hugetlb_vm_op_split()}).
     */
    Errno predictMunmap(long addr, long len) {
        if ((addr & (PAGE - 1)) != 0 || len == 0) {
            return Errno.EINVAL;
        }
        long plen = (len + PAGE - 1) & -PAGE;
        if (Long.compareUnsigned(plen, MmConstants.TASK_SIZE_MAX + PAGE) > 0
                || Long.compareUnsigned(addr, MmConstants.TASK_SIZE_MAX + PAGE - plen) > 0) {
            return Errno.EINVAL;
        }
        for (long cut : new long[] {addr, addr + plen}) {
            Piece p = pieceAt(cut);
            if (p != null && p.start() != cut && p.kind().isHugetlb() && ((cut - p.regionBase()) & (hugePage - 1)) != 0) {
                return Errno.EINVAL;
            }
        }
        return null;
    }

    /** Applies a successful munmap of {@code [addr, addr + len)} (page-rounded). */
    void munmapped(long addr, long len) {
        long end = addr + ((len + PAGE - 1) & -PAGE);
        List<Piece> hit = new ArrayList<>();
        for (Piece p : pieces.values()) {
            if (p.start() < end && addr < p.end()) {
                hit.add(p);
            }
        }
        for (Piece p : hit) {
            pieces.remove(p.start());
            if (p.start() < addr) {
                pieces.put(p.start(), new Piece(p.start(), addr, p.regionId(), p.regionBase(), p.kind()));
            }
            if (end < p.end()) {
                pieces.put(end, new Piece(end, p.end(), p.regionId(), p.regionBase(), p.kind()));
            }
        }
    }

    // ---- hugetlb pool -----------------------------------------------------------------------------

    /** A huge page's identity: its region and index in the region. */
    private long hugeKey(Piece p, long addr) {
        return p.regionId() * (1L << 24) + (addr - p.regionBase()) / hugePage;
    }

    /** Huge pages backing {@code [vaddr, vaddr + size)} now. */
    Set<Long> hugeKeys(long vaddr, long size) {
        Set<Long> keys = new LinkedHashSet<>();
        if (!kind.isHugetlb()) {
            return keys;
        }
        for (long a = vaddr & -hugePage; Long.compareUnsigned(a, vaddr + size - 1) <= 0 && a >= 0; a += hugePage) {
            Piece p = pieceAt(Math.max(a, vaddr));
            if (p != null) {
                keys.add(hugeKey(p, Math.max(a, vaddr)));
            }
        }
        return keys;
    }

    /** Start addresses of every huge page still mapped, with its key. */
    Map<Long, Long> liveHugePages() {
        Map<Long, Long> out = new TreeMap<>();
        if (!kind.isHugetlb()) {
            return out;
        }
        for (Piece p : pieces.values()) {
            for (long a = p.start(); a < p.end(); a += hugePage) {
                out.put(a, hugeKey(p, a));
            }
        }
        return out;
    }

    /** Huge pages that pinned dmas keep allocated although no mapping holds them any more. */
    Set<Long> deadPinnedHugePages() {
        Set<Long> live = new LinkedHashSet<>(liveHugePages().values());
        Set<Long> dead = new LinkedHashSet<>();
        for (Dma d : dmas.values()) {
            if (d.pinned()) {
                for (long key : d.hugeKeys()) {
                    if (!live.contains(key)) {
                        dead.add(key);
                    }
                }
            }
        }
        return dead;
    }

    // ---- MAP_DMA ----------------------------------------------------------------------------------

    long lockedPages() {
        long s = 0;
        for (Dma d : dmas.values()) {
            if (d.pinned()) {
                s += d.pages();
            }
        }
        return s;
    }

    long limitPages() {
        return rlimitBytes >>> MmConstants.PAGE_SHIFT;
    }

    int dmaAvail() {
        return dmaLimit - dmas.size();
    }

    /** {@code vfio_find_dma(iommu, start, size)}: any dma overlapping {@code [start, start + size)}. */
    Dma find(long start, long size) {
        for (Dma d : dmas.values()) {
            boolean below = Long.compareUnsigned(start + size, d.iova()) <= 0;
            boolean above = Long.compareUnsigned(start, d.iova() + d.size()) >= 0;
            if (!below && !above) {
                return d;
            }
        }
        return null;
    }

    /** {@code vfio_iommu_iova_dma_valid()}: no domain, no list (all valid); else inside one range. */
    boolean iovaValid(long iova, long last) {
        if (domains == 0) {
            return true;
        }
        if (Long.compareUnsigned(last, APERTURE_LAST) > 0) {
            return false;
        }
        return Long.compareUnsigned(last, MSI_START) < 0 || Long.compareUnsigned(iova, MSI_LAST) > 0;
    }

    private static boolean wraps(long start, long size) {
        return Long.compareUnsigned(start + size - 1, start) < 0;
    }

    /**
     * The errnos a one-ioctl MAP_DMA may give: empty when it must succeed. More than one only where
     * the pin path meets two failures and which comes first depends on how it is split.
     */
    Set<Errno> predictMap(DmaMapRequest r) {
        int known = VfioUapi.DMA_MAP_FLAG_READ | VfioUapi.DMA_MAP_FLAG_WRITE | VfioUapi.DMA_MAP_FLAG_VADDR;
        if ((r.flags() & ~known) != 0) {
            return EnumSet.of(Errno.EINVAL);
        }
        boolean prot = (r.flags() & (VfioUapi.DMA_MAP_FLAG_READ | VfioUapi.DMA_MAP_FLAG_WRITE)) != 0;
        boolean setVaddr = (r.flags() & VfioUapi.DMA_MAP_FLAG_VADDR) != 0;
        if (prot == setVaddr) {
            return EnumSet.of(Errno.EINVAL);
        }
        Set<Errno> whole = wholeRequestChecks(r);
        if (!whole.isEmpty()) {
            return whole;
        }
        if (setVaddr) {
            // VADDR update of a dma that was never invalidated (the sequences never invalidate one)
            return EnumSet.of(find(r.iova(), r.size()) == null ? Errno.ENOENT : Errno.EINVAL);
        }
        if (find(r.iova(), r.size()) != null) {
            return EnumSet.of(Errno.EEXIST);
        }
        if (dmaAvail() == 0) {
            return EnumSet.of(Errno.ENOSPC);
        }
        if (!iovaValid(r.iova(), r.iova() + r.size() - 1)) {
            return EnumSet.of(Errno.EINVAL);
        }
        return pinPath(r.vaddr(), r.size(), r.size() >>> MmConstants.PAGE_SHIFT);
    }

    /** Size, alignment (4 KiB: every domain here has it) and wrap, the checks qemu's slicing also makes whole. */
    private static Set<Errno> wholeRequestChecks(DmaMapRequest r) {
        if (r.size() == 0 || ((r.size() | r.iova() | r.vaddr()) & (PAGE - 1)) != 0) {
            return EnumSet.of(Errno.EINVAL);
        }
        if (wraps(r.iova(), r.size()) || wraps(r.vaddr(), r.size())) {
            return EnumSet.of(Errno.EINVAL);
        }
        return EnumSet.noneOf(Errno.class);
    }

    /** {@code vfio_pin_map_dma()}'s failures for one range when {@code totalPages} are charged in all. */
    private Set<Errno> pinPath(long vaddr, long size, long totalPages) {
        Set<Errno> out = EnumSet.noneOf(Errno.class);
        if (domains == 0) {
            return out;
        }
        if (!backed(vaddr, size)) {
            out.add(Errno.EFAULT);
        }
        if (lockedPages() + totalPages > limitPages()) {
            out.add(Errno.ENOMEM);
        }
        return out;
    }

    /** A successful MAP_DMA of {@code r} as one dma. */
    void mapped(DmaMapRequest r) {
        Piece p = pieceAt(r.vaddr());
        dmas.put(r.iova(), new Dma(r.iova(), r.size(), r.vaddr(), domains > 0,
                domains > 0 ? hugeKeys(r.vaddr(), r.size()) : Set.of(), p == null ? -1 : p.regionId()));
    }

    /**
     * The slices {@code UserSpaceMapDma} issues for {@code r} with {@code tasks} threads: 2 MiB
     * aligned when the size allows, else the minimum IOMMU page size (written here from its
     * documented rule, to predict each slice's own checks).
     */
    static List<DmaMapRequest> slices(DmaMapRequest r, int tasks) {
        long size = r.size();
        long align = Long.compareUnsigned(size, tasks * MmConstants.PMD_SIZE) >= 0
                && Long.remainderUnsigned(size, MmConstants.PMD_SIZE) == 0 ? MmConstants.PMD_SIZE : PAGE;
        long per = Long.divideUnsigned(Long.divideUnsigned(size, tasks) + align - 1, align) * align;
        List<DmaMapRequest> out = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            long off = i * per;
            if (Long.compareUnsigned(off, size) >= 0) {
                break;
            }
            long left = size - off;
            out.add(DmaMapRequest.of(r.flags(), r.vaddr() + off, r.iova() + off,
                    Long.compareUnsigned(per, left) <= 0 ? per : left));
        }
        return out;
    }

    /**
     * The errnos a user-space MAP_DMA from {@code tasks} threads may give: the whole request's checks
     * first (it is refused before any slice is issued), then each slice's own; any slice that fails
     * fails the call. Empty when every slice must succeed.
     */
    Set<Errno> predictSlicedMap(DmaMapRequest r, int tasks) {
        Set<Errno> whole = predictMapUnlockedPart(r);
        if (!whole.isEmpty()) {
            return whole;
        }
        List<DmaMapRequest> slices = slices(r, tasks);
        Set<Errno> out = EnumSet.noneOf(Errno.class);
        for (DmaMapRequest s : slices) {
            if (find(s.iova(), s.size()) != null) {
                out.add(Errno.EEXIST);
            } else if (!iovaValid(s.iova(), s.iova() + s.size() - 1)) {
                out.add(Errno.EINVAL);
            } else if (domains > 0 && !backed(s.vaddr(), s.size())) {
                out.add(Errno.EFAULT);
            }
        }
        if (slices.size() > dmaAvail()) {
            out.add(Errno.ENOSPC);
        }
        if (domains > 0 && lockedPages() + (r.size() >>> MmConstants.PAGE_SHIFT) > limitPages()) {
            out.add(Errno.ENOMEM);
        }
        return out;
    }

    /** What {@code checkMapDma} refuses of the whole request: flags, prot, size, alignment, wrap. */
    private static Set<Errno> predictMapUnlockedPart(DmaMapRequest r) {
        int known = VfioUapi.DMA_MAP_FLAG_READ | VfioUapi.DMA_MAP_FLAG_WRITE | VfioUapi.DMA_MAP_FLAG_VADDR;
        boolean prot = (r.flags() & (VfioUapi.DMA_MAP_FLAG_READ | VfioUapi.DMA_MAP_FLAG_WRITE)) != 0;
        boolean setVaddr = (r.flags() & VfioUapi.DMA_MAP_FLAG_VADDR) != 0;
        if ((r.flags() & ~known) != 0 || prot == setVaddr) {
            return EnumSet.of(Errno.EINVAL);
        }
        return wholeRequestChecks(r);
    }

    // ---- UNMAP_DMA --------------------------------------------------------------------------------

    /** What an UNMAP_DMA gives: an errno, or the dmas it removes. */
    record UnmapOutcome(Errno errno, List<Dma> removed) {
        long bytes() {
            long s = 0;
            for (Dma d : removed) {
                s += d.size();
            }
            return s;
        }
    }

    UnmapOutcome predictUnmap(DmaUnmapRequest u) {
        boolean all = (u.flags() & VfioUapi.DMA_UNMAP_FLAG_ALL) != 0;
        if ((u.iova() & (PAGE - 1)) != 0) {
            return new UnmapOutcome(Errno.EINVAL, List.of());
        }
        long last;
        if (all) {
            if (u.iova() != 0 || u.size() != 0) {
                return new UnmapOutcome(Errno.EINVAL, List.of());
            }
            return new UnmapOutcome(null, List.copyOf(dmas.values()));
        }
        if (u.size() == 0 || (u.size() & (PAGE - 1)) != 0 || wraps(u.iova(), u.size())) {
            return new UnmapOutcome(Errno.EINVAL, List.of());
        }
        last = u.iova() + u.size() - 1;
        Dma d = find(u.iova(), 1);
        if (d != null && d.iova() != u.iova()) {
            return new UnmapOutcome(Errno.EINVAL, List.of());
        }
        d = find(last, 0);
        if (d != null && d.last() != last) {
            return new UnmapOutcome(Errno.EINVAL, List.of());
        }
        List<Dma> removed = new ArrayList<>();
        for (Dma x : dmas.values()) {
            if (Long.compareUnsigned(x.iova(), last) <= 0 && Long.compareUnsigned(x.last(), u.iova()) >= 0) {
                removed.add(x);
            }
        }
        return new UnmapOutcome(null, removed);
    }

    void unmapped(List<Dma> removed) {
        for (Dma d : removed) {
            dmas.remove(d.iova());
        }
    }
}
