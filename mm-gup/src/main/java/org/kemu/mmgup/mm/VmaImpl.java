package org.kemu.mmgup.mm;

import org.kemu.mmgup.Vma;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.phys.HugetlbPool;

/** A VMA and its page table; a hugetlb VMA is also a mapping its pool's reservation checker counts. */
public final class VmaImpl implements Vma, HugetlbPool.Mapping {
    long start;
    long end;
    final VmaKind kind;
    final boolean writable;
    /** PFNMAP: pfn mapped at {@code start} and the leaf order. */
    final long pfnBase;
    final int pfnmapOrder;
    /** hugetlb: the mapping's reserve map (shared with the VMAs split off it), and {@code vm_pgoff} in huge pages. */
    HugetlbResvMap resv;
    long hugePgoff;
    PageTable pt;

    VmaImpl(long start, long end, VmaKind kind, boolean writable, long pfnBase, int pfnmapOrder) {
        this.start = start;
        this.end = end;
        this.kind = kind;
        this.writable = writable;
        this.pfnBase = pfnBase;
        this.pfnmapOrder = pfnmapOrder;
    }

    @Override
    public long start() {
        return start;
    }

    @Override
    public long end() {
        return end;
    }

    @Override
    public VmaKind kind() {
        return kind;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    /** {@code vma_hugecache_offset()}: the huge-page index of {@code va} in the mapping. */
    long hugeIndex(long va) {
        return hugePgoff + ((va - start) >>> (12 + kind.pageOrder()));
    }

    @Override
    public int order() {
        return kind.pageOrder();
    }

    /** {@code hugetlb_vm_op_close()}'s count: the VMA's pages minus those its reserve map records consumed. */
    @Override
    public long reservedUnfaulted() {
        return resv == null ? 0 : resv.reservedIn(hugeIndex(start), hugeIndex(end));
    }

    /** Bytes of the mapping's leaf page. */
    long leafSize() {
        return 1L << (12 + kind.pageOrder());
    }

    @Override
    public String toString() {
        return kind + "[" + Long.toHexString(start) + "-" + Long.toHexString(end) + (writable ? " rw" : " ro") + "]";
    }
}
