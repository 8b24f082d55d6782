package org.kemu.ibumemrelease;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.UserMemory;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * An RDMA memory region's {@code struct ib_umem} (drivers/infiniband/core/umem.c, v5.14): the pinned
 * pages of a user buffer as a scatterlist of physically contiguous segments, and the
 * {@code owning_mm} whose {@code pinned_vm} they are charged to.
 *
 * <p>{@link #get} is {@code ib_umem_get()}: charge {@code pinned_vm} first (ENOMEM over
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK), pin with {@code pin_user_pages_fast(FOLL_LONGTERM [|
 * FOLL_WRITE])} in batches of one page of page pointers, and append each batch to the scatterlist
 * ({@code __sg_alloc_table_from_pages}, merging contiguous pages up to the device's max segment). Any
 * failure releases what was pinned ({@code __ib_umem_release(dev, umem, 0)}) and gives the charge back.
 *
 * <p>{@link #release} is {@code ib_umem_release()} with its unpin loop run as a padata job, the
 * parallelisation the 2022 series' cover letter names for {@code __ib_umem_release()}: every chunk
 * of the region's pages calls {@code unpin_user_page_range_dirty_lock()} on its part of each
 * segment (the 5.12 batching of [JM-u4]: one call per segment, folio by folio inside), then the main
 * thread subtracts {@code ib_umem_num_pages()} from {@code pinned_vm}. Chunks are aligned to 2 MiB so
 * that no PMD-sized folio is split between two helpers. The DMA unmap of the scatterlist
 * ({@code ib_dma_unmap_sgtable_attrs}) is not modelled: kemu has no IOMMU behind the RDMA device.
 */
public final class IbUmem {
    /** {@code PAGE_SIZE / sizeof(struct page *)}: the page_list batch of ib_umem_get. */
    public static final int PIN_BATCH = (int) (MmConstants.PAGE_SIZE / 8);

    private final UserMemory um;
    private final KernelTasks k;
    private final MmStruct mm;
    private final long address;
    private final long npages;
    private final boolean writable;
    private final long maxSegmentPages;
    /** The scatterlist: first pfn and length in pages of each segment, and its first page index. */
    private long[] sgPfn = new long[16];
    private long[] sgPages = new long[16];
    private long[] sgIndex = new long[16];
    private int nents;
    private long pinned;
    private boolean released;

    private IbUmem(UserMemory um, KernelTasks k, MmStruct mm, long address, long npages, boolean writable,
            long maxSegmentBytes) {
        this.um = um;
        this.k = k;
        this.mm = mm;
        this.address = address;
        this.npages = npages;
        this.writable = writable;
        this.maxSegmentPages = Math.max(1, maxSegmentBytes >> MmConstants.PAGE_SHIFT);
    }

    /**
     * {@code ib_umem_get(device, addr, size, access)} on the current task's mm. EINVAL when the range
     * wraps or is empty; ENOMEM when {@code pinned_vm} would pass RLIMIT_MEMLOCK, or the scatterlist
     * cannot grow; GUP's errors (EFAULT, ENOMEM) otherwise. On error nothing stays pinned or charged.
     */
    public static IbUmem get(UserMemory um, KernelTasks k, long addr, long size, boolean writable,
            long maxSegmentBytes) {
        MmStruct mm = k.current().attachment(MmStruct.class);
        KernelException.require(mm != null, Errno.EFAULT, "ib_umem_get:mm", "no current mm");
        long page = MmConstants.PAGE_SIZE;
        // "If the combination of the addr and size requested for this memory region causes an integer
        // overflow, return error."
        KernelException.require(addr + size >= addr && ((addr + size + page - 1) & -page) >= addr + size,
                Errno.EINVAL, "ib_umem_get:overflow", "addr + size wraps");
        long npages = (((addr + size + page - 1) & -page) - (addr & -page)) >> MmConstants.PAGE_SHIFT;
        KernelException.require(npages > 0 && npages <= 0xffff_ffffL, Errno.EINVAL, "ib_umem_get:npages",
                npages + " pages");
        IbUmem umem = new IbUmem(um, k, mm, addr, npages, writable, maxSegmentBytes);
        long lockLimit = mm.rlimitMemlock() == Long.MAX_VALUE ? Long.MAX_VALUE
                : mm.rlimitMemlock() >> MmConstants.PAGE_SHIFT;
        um.lockedVm().addPinnedVm(mm, npages);
        if (mm.pinnedVm() > lockLimit && !mm.capIpcLock()) {
            um.lockedVm().addPinnedVm(mm, -npages);
            throw new KernelException(Errno.ENOMEM, "ib_umem_get:pinned_vm",
                    "pinned_vm " + mm.pinnedVm() + " + " + npages + " pages over RLIMIT_MEMLOCK " + lockLimit);
        }
        int gupFlags = Foll.LONGTERM | (writable ? Foll.WRITE : 0);
        long[] pageList = new long[PIN_BATCH];
        long cur = addr & -page;
        long left = npages;
        try {
            while (left > 0) {
                int n = (int) um.gup().pinUserPagesFast(cur, Math.min(left, PIN_BATCH), gupFlags, pageList);
                cur += (long) n * page;
                left -= n;
                if (k.shouldFail("ib_umem_get:__sg_alloc_table_from_pages")) {
                    um.gup().unpinUserPagesDirtyLock(pageList, n, false);
                    throw new KernelException(Errno.ENOMEM, "ib_umem_get:__sg_alloc_table_from_pages",
                            "scatterlist allocation failed");
                }
                umem.append(pageList, n);
            }
        } catch (KernelException e) {
            // umem_release: __ib_umem_release(device, umem, 0), then the pinned_vm charge back
            umem.unpinRange(0, umem.pinned, false);
            um.lockedVm().addPinnedVm(mm, -npages);
            umem.released = true;
            throw e;
        }
        return umem;
    }

    /** __sg_alloc_table_from_pages: merges each page into the last segment when contiguous and it fits. */
    private void append(long[] pfns, int n) {
        for (int i = 0; i < n; i++) {
            long pfn = pfns[i];
            if (nents > 0 && sgPfn[nents - 1] + sgPages[nents - 1] == pfn && sgPages[nents - 1] < maxSegmentPages) {
                sgPages[nents - 1]++;
            } else {
                if (nents == sgPfn.length) {
                    sgPfn = Arrays.copyOf(sgPfn, nents * 2);
                    sgPages = Arrays.copyOf(sgPages, nents * 2);
                    sgIndex = Arrays.copyOf(sgIndex, nents * 2);
                }
                sgPfn[nents] = pfn;
                sgPages[nents] = 1;
                sgIndex[nents] = pinned;
                nents++;
            }
            pinned++;
        }
    }

    /**
     * {@code ib_umem_release(umem)} with {@code __ib_umem_release(dev, umem, 1)}'s unpins over a padata
     * job of {@code maxThreads} and {@code minChunkPages}; returns the distinct tasks that ran chunks.
     */
    public int release(Padata padata, int maxThreads, long minChunkPages) {
        KernelException.require(!released, Errno.EINVAL, "ib_umem_release:released", "already released");
        boolean makeDirty = writable;
        Set<Long> tasks = ConcurrentHashMap.newKeySet();
        padata.doMultithreaded(PadataMtJob.<Void>builder((s, e, a) -> {
            tasks.add(k.current().id());
            unpinRange(s, e, makeDirty);
            return 0;
        }).size(pinned).align(MmConstants.PMD_PAGES).minChunk(minChunkPages).maxThreads(maxThreads)
                .lockdepName("ib_umem_release").build());
        // sg_free_table, then atomic64_sub(ib_umem_num_pages(umem), &umem->owning_mm->pinned_vm)
        um.lockedVm().addPinnedVm(mm, -npages);
        released = true;
        return tasks.size();
    }

    /** unpin_user_page_range_dirty_lock() on the part of every segment in page indices [from, to). */
    private void unpinRange(long from, long to, boolean makeDirty) {
        if (from >= to) {
            return;
        }
        int i = Arrays.binarySearch(sgIndex, 0, nents, from);
        i = i >= 0 ? i : -i - 2;
        for (; i < nents && sgIndex[i] < to; i++) {
            long s = Math.max(from, sgIndex[i]);
            long e = Math.min(to, sgIndex[i] + sgPages[i]);
            um.gup().unpinUserPageRangeDirtyLock(sgPfn[i] + (s - sgIndex[i]), e - s, makeDirty);
        }
        k.condResched();
    }

    public MmStruct mm() {
        return mm;
    }

    public long address() {
        return address;
    }

    /** {@code ib_umem_num_pages()}. */
    public long numPages() {
        return npages;
    }

    /** {@code umem->sg_nents}. */
    public int sgNents() {
        return nents;
    }

    /** First pfn and pages of segment {@code i}. */
    public long segmentPfn(int i) {
        return sgPfn[i];
    }

    public long segmentPages(int i) {
        return sgPages[i];
    }
}
