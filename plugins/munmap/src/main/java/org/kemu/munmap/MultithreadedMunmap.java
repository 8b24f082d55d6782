package org.kemu.munmap;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.UnmapRegion;
import org.kemu.mmgup.Vma;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.UserMemory;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * 5.14's {@code __vm_munmap(start, len, downgrade)} with {@code unmap_region()}'s page-table teardown
 * run as a padata job, the multithreaded munmap the 2022 series' cover letter names as a future user.
 *
 * <p>Who holds what. The main thread (the task that called munmap) takes {@code mmap_write_lock_killable}
 * (EINTR on a fatal signal), splits the VMAs at the range's edges and detaches those inside
 * ({@code detach_vmas_to_be_unmapped}); then, as {@code __do_munmap} does when {@code downgrade} is
 * allowed (no VM_GROWSDOWN/VM_GROWSUP neighbour: never for these anonymous mappings),
 * {@code mmap_write_downgrade} lets faults and GUP elsewhere in the mm proceed. It keeps that (read or
 * write) hold until the teardown is over. The helpers are kworkers: they take no mmap lock; they run
 * under the main thread's hold, which padata_do_multithreaded guarantees spans every chunk (it returns
 * only after the last helper finishes). They need no lock of their own on the range either: once
 * detached, its VMAs and page tables are reachable only through the region. Each chunk is one
 * {@code zap_page_range} of 2 MiB-aligned addresses with its own mmu_gather, so no leaf page table is
 * shared by two helpers; page references change under the memory metadata lock as in the serial
 * zap. The RFC text does not discuss this case; this is our design.
 *
 * <p>TLB flushing follows mm/mmu_gather.c: a gather holds {@link #MAX_GATHER_BATCH} entries per
 * batch page and at most {@link #MAX_GATHER_BATCH_COUNT} batches; when full,
 * {@code __tlb_remove_page} forces a flush ({@code tlb_flush_mmu}: TLB shootdown, then the batched
 * pages are freed), and {@code tlb_finish_mmu} flushes once more at the end of each chunk. After
 * the job the main thread runs {@code free_pgtables} and {@code remove_vma}.
 */
public final class MultithreadedMunmap {
    /** {@code (PAGE_SIZE - sizeof(struct mmu_gather_batch)) / sizeof(void *)}: (4096 - 16) / 8 on x86-64. */
    public static final long MAX_GATHER_BATCH = (MmConstants.PAGE_SIZE - 16) / 8;
    /** {@code MAX_GATHER_BATCH_COUNT = 10000UL / MAX_GATHER_BATCH}. */
    public static final long MAX_GATHER_BATCH_COUNT = 10_000L / MAX_GATHER_BATCH;
    /** Entries one mmu_gather holds before a forced flush. */
    public static final long GATHER_CAPACITY = MAX_GATHER_BATCH * MAX_GATHER_BATCH_COUNT;

    private final UserMemory um;
    private final KernelTasks k;

    /**
     * One call.
     *
     * @param maxThreads padata max_threads
     * @param minChunkPages padata min_chunk, 4 KiB pages
     * @param downgrade {@code __vm_munmap}'s downgrade argument (true for the munmap syscall)
     * @param tlbFlushNs CPU ns of one {@code tlb_flush_mmu} shootdown
     */
    public record Request(int maxThreads, long minChunkPages, boolean downgrade, long tlbFlushNs) {
        public Request {
            KernelException.require(maxThreads >= 1 && minChunkPages >= 1 && tlbFlushNs >= 0, Errno.EINVAL,
                    "munmap_request", "bad request");
        }
    }

    /**
     * What the teardown did.
     *
     * @param pages 4 KiB pages unmapped (RSS removed)
     * @param tlbFlushes TLB flushes over all chunks
     * @param tasks distinct tasks that zapped
     * @param downgraded whether the mmap lock was downgraded to read for the teardown
     */
    public record Result(long pages, long tlbFlushes, int tasks, boolean downgraded) {
    }

    public MultithreadedMunmap(UserMemory um, KernelTasks k) {
        this.um = um;
        this.k = k;
    }

    /**
     * {@code __vm_munmap(start, len, downgrade)} on {@code mm}. EINTR when the write lock is interrupted
     * by a fatal signal; ENOMEM when a VMA split cannot allocate ({@code __split_vma}'s vm_area_dup),
     * before anything changed; munmap's EINVALs (unaligned, length 0, past TASK_SIZE, a hugetlb split).
     */
    public Result vmMunmap(MmStruct mm, long start, long len, Padata padata, Request req) {
        KernelException.require(!k.shouldFail("__vm_munmap:mmap_write_lock_killable"), Errno.EINTR,
                "__vm_munmap:mmap_write_lock_killable", "fatal signal pending");
        mm.mmapLock().downWriteKillable();
        boolean downgraded = false;
        try {
            long end = start + ((len + MmConstants.PAGE_SIZE - 1) & -MmConstants.PAGE_SIZE);
            if (needsSplit(mm, start, end)) {
                KernelException.require(!k.shouldFail("__split_vma:vm_area_dup"), Errno.ENOMEM,
                        "__split_vma:vm_area_dup", "cannot allocate the split VMA");
            }
            UnmapRegion region = um.addressSpaces().detachRange(mm, start, len);
            if (req.downgrade()) {
                mm.mmapLock().downgradeWrite();
                downgraded = true;
            }
            Result r = unmapRegion(region, padata, req, downgraded);
            // free_pgtables, remove_vma
            region.finish();
            return r;
        } finally {
            if (downgraded) {
                mm.mmapLock().upRead();
            } else {
                mm.mmapLock().upWrite();
            }
        }
    }

    /** A range edge inside a VMA: __do_munmap splits there. */
    private static boolean needsSplit(MmStruct mm, long start, long end) {
        Vma first = mm.vmaLookup(start);
        Vma last = mm.vmaLookup(end - 1);
        return (first != null && first.start() < start) || (last != null && last.end() > end);
    }

    /** unmap_region's unmap_vmas over padata: each chunk zaps its pages with its own mmu_gather. */
    private Result unmapRegion(UnmapRegion region, Padata padata, Request req, boolean downgraded) {
        long firstPage = region.start() >>> MmConstants.PAGE_SHIFT;
        long pages = (region.end() - region.start()) >>> MmConstants.PAGE_SHIFT;
        AtomicCounter unmapped = k.atomic("munmap:pages", 0);
        AtomicCounter flushes = k.atomic("munmap:tlb_flushes", 0);
        Set<Long> tasks = ConcurrentHashMap.newKeySet();
        if (pages > 0) {
            padata.doMultithreaded(PadataMtJob.<UnmapRegion>builder((s, e, r) -> {
                tasks.add(k.current().id());
                UnmapRegion.Zapped z = r.zap(s << MmConstants.PAGE_SHIFT, e << MmConstants.PAGE_SHIFT);
                // forced flushes whenever the gather fills, then tlb_finish_mmu's
                long n = z.entries() / GATHER_CAPACITY + 1;
                k.work(n * req.tlbFlushNs());
                flushes.addAndGet(n);
                unmapped.addAndGet(z.pages());
                k.condResched();
                return 0;
            }).arg(region).start(firstPage).size(pages).align(MmConstants.PMD_PAGES).minChunk(req.minChunkPages())
                    .maxThreads(req.maxThreads()).lockdepName("unmap_region").build());
        }
        return new Result(unmapped.get(), flushes.get(), tasks.size(), downgraded);
    }
}
