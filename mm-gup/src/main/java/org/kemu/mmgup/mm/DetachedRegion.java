package org.kemu.mmgup.mm;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kemu.mmgup.UnmapRegion;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * The VMAs {@code detach_vmas_to_be_unmapped()} unlinked, as {@code unmap_region()} receives them.
 * Zaps of disjoint slot-aligned ranges may run on several tasks at once: each touches only its own
 * leaf-table slots, and page references change under the memory metadata lock as in the serial zap.
 */
final class DetachedRegion implements UnmapRegion {
    private final Mmap mmap;
    private final MmStructImpl mm;
    private final long start;
    private final long end;
    private final List<VmaImpl> vmas;
    private final AtomicBoolean finished = new AtomicBoolean();

    DetachedRegion(Mmap mmap, MmStructImpl mm, long start, long end, List<VmaImpl> vmas) {
        this.mmap = mmap;
        this.mm = mm;
        this.start = start;
        this.end = end;
        this.vmas = List.copyOf(vmas);
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
    public Zapped zap(long from, long to) {
        KernelException.require(!finished.get(), Errno.EINVAL, "zap_page_range:finished", "region already freed");
        KernelException.require(from >= start && to <= end && from < to, Errno.EINVAL, "zap_page_range:range",
                "range outside the detached region");
        long ptes = 0;
        long folios = 0;
        long folioPages = 0;
        for (VmaImpl v : vmas) {
            long s = Math.max(from, v.start);
            long e = Math.min(to, v.end);
            if (s >= e || v.pt == null) {
                continue;
            }
            long slot = 1L << v.pt.slotShift;
            KernelException.require((s == v.start || (s & (slot - 1)) == 0) && (e == v.end || (e & (slot - 1)) == 0),
                    Errno.EINVAL, "zap_page_range:align", "range edge inside a page-table slot of " + v);
            Zapped z = mmap.zapSlots(v, v.pt.slotOf(s), v.pt.slotOf(e - 1) + 1);
            ptes += z.ptePages();
            folios += z.pmdFolios();
            folioPages += z.pmdPages();
        }
        return new Zapped(ptes, folios, folioPages);
    }

    @Override
    public void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        for (VmaImpl v : vmas) {
            if (v.pt != null) {
                mmap.zapSlots(v, 0, v.pt.base.length);
            }
            mmap.closeVma(v);
        }
        // free_pgtables: the tables of the range that no VMA left in the mm still uses
        mm.pgtables.freeUnmapped(mm, start, end);
    }

    @Override
    public long mappedPages() {
        long n = 0;
        for (VmaImpl v : vmas) {
            for (long a = v.start; v.pt != null && a < v.end; a += 4096) {
                if (v.pt.pfnAt(a) >= 0) {
                    n++;
                }
            }
        }
        return n;
    }
}
