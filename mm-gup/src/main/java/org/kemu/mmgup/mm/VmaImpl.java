package org.kemu.mmgup.mm;

import org.kemu.mmgup.Vma;
import org.kemu.mmgup.VmaKind;

/** A VMA and its page table. */
public final class VmaImpl implements Vma {
    long start;
    long end;
    final VmaKind kind;
    final boolean writable;
    /** PFNMAP: pfn mapped at {@code start} and the leaf order. */
    final long pfnBase;
    final int pfnmapOrder;
    /** hugetlb: pages reserved at mmap and not yet faulted. */
    long resvLeft;
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

    /** Bytes of the mapping's leaf page. */
    long leafSize() {
        return 1L << (12 + kind.pageOrder());
    }

    @Override
    public String toString() {
        return kind + "[" + Long.toHexString(start) + "-" + Long.toHexString(end) + (writable ? " rw" : " ro") + "]";
    }
}
