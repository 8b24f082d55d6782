package org.kemu.mmgup.bench;

import org.kemu.mmgup.GupFlavour;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.LayoutPolicy;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.mm.MmStructImpl;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;

/**
 * Scale and speed of mm-gup (a plain main, not run by surefire): heap per emulated page of a guest
 * and the wall-clock rate of pinning it in the simulated backend, VFIO-style (512 pages per
 * pin_user_pages_remote call under the mmap read lock, one range unpin per batch).
 *
 * <p>Heap is measured two ways: arithmetic on the state's array sizes ({@code estimatedHeapBytes}),
 * and the used-heap delta after full GCs (MemoryMXBean), which also counts the kernel's own objects.
 *
 * <p>Usage: {@code MmScaleBenchmark <guestGiB> <ANON|ANON_THP|HUGETLB_2M|HUGETLB_1G> <PER_PAGE|FOLIO_BATCHED>
 * [pagesPerCall=512] [CONTIGUOUS|FRAGMENTED|RANDOM]}: the layout of physical memory the faults draw
 * from (issue 15 asks for at most 1 B of heap per 4 KiB page in each).
 */
public final class MmScaleBenchmark {
    private MmScaleBenchmark() {
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    public static void main(String[] args) {
        long guestGib = Long.parseLong(args[0]);
        VmaKind kind = VmaKind.valueOf(args[1]);
        GupFlavour impl = GupFlavour.valueOf(args[2]);
        long perCall = args.length > 3 ? Long.parseLong(args[3]) : 512;
        LayoutPolicy layout = args.length > 4 ? LayoutPolicy.valueOf(args[4]) : MemoryConfig.ofBytesPerNode(1L << 30).layout();
        long len = guestGib << 30;
        long pages = len >>> 12;
        MemoryConfig probe = MemoryConfig.ofBytesPerNode(1L << 30).withLayout(layout);
        // FRAGMENTED leaves other users' pages in every block: room for the guest around them
        int occupied = layout == LayoutPolicy.FRAGMENTED ? probe.fragmentedOccupiedPerBlock() : 0;
        long nodeBytes = ((len / (512 - occupied) * 512 >>> 30) + 5) << 30;
        long huge2m = kind == VmaKind.HUGETLB_2M ? len / MmConstants.PMD_SIZE : 0;
        long huge1g = kind == VmaKind.HUGETLB_1G ? guestGib : 0;
        long heap0 = usedHeap();
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), 1));
        MmGup sys = MmGup.create(k, MemoryConfig.ofBytesPerNode(nodeBytes).withBootHugepages(huge2m, huge1g).withLayout(layout),
                MmCosts.defaults(), GupCosts.defaults());
        MmStruct mm = sys.addressSpaces().mmCreate("qemu", Long.MAX_VALUE, true);
        long[] res = new long[8];
        k.spawn(TaskSpec.user("qemu", 1), () -> {
            long va = sys.addressSpaces().mmap(mm, 0, len, kind, true);
            long w0 = System.nanoTime();
            sys.addressSpaces().populate(mm, va, len, true);
            res[0] = System.nanoTime() - w0;
            res[1] = usedHeap();
            res[2] = sys.physicalMemory().estimatedHeapBytes() + ((MmStructImpl) mm).heapBytes();
            long[] batch = new long[(int) perCall];
            long v0 = k.now();
            long w1 = System.nanoTime();
            for (long done = 0; done < pages;) {
                mm.mmapLock().downRead();
                long got;
                try {
                    got = sys.gup(impl).pinUserPagesRemote(mm, va + (done << 12), Math.min(perCall, pages - done),
                            Foll.WRITE | Foll.LONGTERM, batch);
                } finally {
                    mm.mmapLock().upRead();
                }
                done += got;
            }
            res[3] = System.nanoTime() - w1;
            res[4] = k.now() - v0;
            res[5] = usedHeap();
            long w2 = System.nanoTime();
            // by physically contiguous runs, so a RANDOM layout's scattered pages are unpinned one by one
            long runStart = -1;
            long runLen = 0;
            for (long done = 0; done < pages; done++) {
                long pfn = sys.addressSpaces().followPfn(mm, va + (done << 12));
                if (runLen > 0 && pfn == runStart + runLen) {
                    runLen++;
                    continue;
                }
                if (runLen > 0) {
                    sys.gup(impl).unpinUserPageRangeDirtyLock(runStart, runLen, true);
                }
                runStart = pfn;
                runLen = 1;
            }
            if (runLen > 0) {
                sys.gup(impl).unpinUserPageRangeDirtyLock(runStart, runLen, true);
            }
            res[6] = System.nanoTime() - w2;
            res[7] = sys.physicalMemory().pinnedPages();
        });
        k.run();
        System.out.printf(Locale.ROOT, "guest %d GiB %s %s, %s layout, %d pages per pin call: %d pages%n", guestGib, kind,
                impl, layout, perCall, pages);
        System.out.printf(Locale.ROOT, "  populate wall %.2f s%n", res[0] / 1e9);
        System.out.printf(Locale.ROOT, "  heap (array arithmetic) %d bytes = %.4f B/4K page%n", res[2],
                (double) res[2] / pages);
        System.out.printf(Locale.ROOT, "  heap (GC delta, after populate) %d bytes = %.4f B/4K page; after pin %.4f B/page%n",
                res[1] - heap0, (double) (res[1] - heap0) / pages, (double) (res[5] - heap0) / pages);
        System.out.printf(Locale.ROOT, "  pin wall %.3f s = %.3g pages/s; virtual %.3f s%n", res[3] / 1e9,
                pages / (res[3] / 1e9), res[4] / 1e9);
        System.out.printf(Locale.ROOT, "  unpin wall %.3f s; pins left %d%n", res[6] / 1e9, res[7]);
    }
}
