package org.kemu.vfiotype1.type1;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mutex;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuMapping;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.PageSizes;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Info;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.VfioUapi;

/**
 * {@code struct vfio_iommu}, the type1 container, minus what touches user memory (that is the
 * {@link Type1PinPath}): the container mutex, domains, {@code pgsize_bitmap}, the valid IOVA list,
 * the DMA tree, {@code dma_avail}, v1/v2 semantics, and the MAP_DMA / UNMAP_DMA / GET_INFO ioctls
 * with the kernel's checks and their order (vfio-gup.md 1).
 *
 * <p>Ioctl methods take the container mutex themselves and must be called from a task; methods
 * named after kernel helpers that the kernel calls with the mutex held assert it.
 */
public final class Type1Iommu {
    /** fail-nth point at {@code kzalloc(sizeof(*dma))} in vfio_dma_do_map() (ENOMEM). */
    public static final String FAIL_DMA_ALLOC = "vfio_dma_do_map:kzalloc";

    private final Kernel kernel;
    private final Type1Params params;
    private final Mutex lock;
    private final DmaTree dmas = new DmaTree();
    private final List<IommuDomain> domains = new ArrayList<>();
    private Type1PinPath pins = Type1PinPath.NONE;
    private IovaList iovas = IovaList.empty();
    private long pgsizeBitmap = PageSizes.PAGE_MASK;
    private int dmaAvail;
    private int vaddrInvalidCount;
    private boolean emulatedGroups;
    private boolean dirtyTracking;
    private Type1Costs costs = Type1Costs.FREE;
    private int inFlightMaps;

    /** {@code vfio_iommu_type1_open()}. */
    public Type1Iommu(Kernel kernel, Type1Params params) {
        this.kernel = Objects.requireNonNull(kernel);
        this.params = Objects.requireNonNull(params);
        this.lock = kernel.mutex("vfio_iommu.lock");
        this.dmaAvail = params.dmaEntryLimit();
    }

    public void setPinPath(Type1PinPath p) {
        pins = Objects.requireNonNull(p);
    }

    public Type1PinPath pinPath() {
        return pins;
    }

    public void setCosts(Type1Costs c) {
        costs = Objects.requireNonNull(c);
    }

    public Type1Costs costs() {
        return costs;
    }

    /** MAP_DMA calls pinning outside the mutex right now ({@link #mapDmaPinOutsideMutex}). */
    public int inFlightMaps() {
        return inFlightMaps;
    }

    // ---- state --------------------------------------------------------------------------------

    public Kernel kernel() {
        return kernel;
    }

    public Type1Params params() {
        return params;
    }

    public Mutex lock() {
        return lock;
    }

    public DmaTree dmas() {
        return dmas;
    }

    public List<IommuDomain> domains() {
        return List.copyOf(domains);
    }

    public IovaList iovaList() {
        return iovas;
    }

    public long pgsizeBitmap() {
        return pgsizeBitmap;
    }

    public long minPageSize() {
        return PageSizes.minPageSize(pgsizeBitmap);
    }

    public int dmaAvail() {
        return dmaAvail;
    }

    public int vaddrInvalidCount() {
        return vaddrInvalidCount;
    }

    /** Marks that emulated (mdev) groups are attached: UNMAP with VADDR then fails EBUSY. */
    public void setEmulatedGroups(boolean e) {
        emulatedGroups = e;
    }

    public void setDirtyTracking(boolean d) {
        dirtyTracking = d;
    }

    // ---- domains ------------------------------------------------------------------------------

    /**
     * The IOVA and page-size part of attaching a group in a new domain: aperture and reserved-region
     * checks (EINVAL), the narrowed valid list, the new {@code pgsize_bitmap}. Existing dmas are
     * replayed into the new domain; a dma that was never IOMMU-mapped would need the pin path
     * (not yet supported here: IllegalStateException).
     */
    public void attachDomain(IommuDomain d) {
        lock.lock();
        try {
            if (inFlightMaps != 0) {
                // the outside-mutex variant maps into the domain list without the mutex: keep it stable
                throw new KernelException(Errno.EBUSY, "vfio_iommu_attach_group:maps_in_flight",
                        inFlightMaps + " MAP_DMA calls pinning outside the container mutex");
            }
            IovaList narrowed = iovas.attach(d.aperture(), d.spec().reservedRegions(), dmas);
            replay(d);
            iovas = narrowed;
            domains.add(d);
            updatePgsizeBitmap();
        } finally {
            lock.unlock();
        }
    }

    /** {@code vfio_iommu_replay()} for dmas already mapped: copy the first domain's runs, unwind on failure. */
    private void replay(IommuDomain d) {
        if (domains.isEmpty()) {
            if (!dmas.isEmpty()) {
                for (VfioDma dma : dmas) {
                    if (dma.size() != 0) {
                        throw new IllegalStateException("replay of never-pinned " + dma + " needs the pin path");
                    }
                }
            }
            return;
        }
        IommuDomain first = domains.get(0);
        List<long[]> done = new ArrayList<>();
        try {
            for (VfioDma dma : dmas) {
                if (dma.size() == 0) {
                    continue;
                }
                for (IommuMapping m : first.mappings(dma.iova(), dma.last())) {
                    d.map(m.iova(), m.paddr(), m.size(), m.prot());
                    done.add(new long[] {m.iova(), m.size()});
                }
            }
        } catch (KernelException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                d.unmap(done.get(i)[0], done.get(i)[1]);
            }
            throw e;
        }
    }

    /**
     * {@code vfio_update_pgsize_bitmap()}: AND of the domains' bitmaps; sizes below PAGE_SIZE are
     * hidden and PAGE_SIZE forced in (vfio-gup.md 1.3).
     */
    private void updatePgsizeBitmap() {
        long b = -1L;
        for (IommuDomain d : domains) {
            b &= d.pgsizeBitmap();
        }
        if ((b & ~PageSizes.PAGE_MASK) != 0) {
            b &= PageSizes.PAGE_MASK;
            b |= PageSizes.PAGE_SIZE;
        }
        pgsizeBitmap = b;
    }

    /**
     * {@code vfio_iommu_map()}: map one physically contiguous run at {@code iova} in every domain
     * (with IOMMU_CACHE); on failure unmap it from the domains already done, in reverse, and rethrow
     * (vfio-gup.md 1.5). For the pin path; container mutex held.
     */
    public void iommuMapRun(long iova, long pfn, long npage, IommuProt prot) {
        lock.assertHeld();
        iommuMapRunForHelper(iova, pfn, npage, prot);
    }

    /**
     * {@link #iommuMapRun} for a padata helper: the helper does not own the container mutex, the
     * task that issued MAP_DMA does, and keeps the domain list stable while it waits for the job;
     * helpers work on disjoint IOVA ranges, and the per-domain lock (if the driver has one) orders
     * their page-table updates.
     */
    public void iommuMapRunForHelper(long iova, long pfn, long npage, IommuProt prot) {
        long size = npage << PageSizes.PAGE_SHIFT;
        long pa = pfn << PageSizes.PAGE_SHIFT;
        for (int i = 0; i < domains.size(); i++) {
            try {
                domains.get(i).map(iova, pa, size, prot.with(IommuProt.CACHE));
            } catch (KernelException e) {
                for (int j = i - 1; j >= 0; j--) {
                    domains.get(j).unmap(iova, size);
                    kernel.condResched();
                }
                throw e;
            }
        }
    }

    // ---- MAP_DMA ------------------------------------------------------------------------------

    /**
     * VFIO_IOMMU_MAP_DMA: the checks of {@link DmaMapChecks}, allocation and linking, then (with a
     * domain) the pin path. All or nothing: on failure the dma is removed again.
     */
    public void mapDma(DmaMapRequest req) {
        DmaMapChecks.MapArgs a = DmaMapChecks.checkUnlocked(req, params.overflowChecks());
        lock.lock();
        try {
            MapPlan plan = DmaMapChecks.checkLocked(a, pgsizeBitmap, dmas, dmaAvail, iovas, params.overflowChecks());
            if (plan instanceof MapPlan.UpdateVaddr u) {
                pins.changeDmaOwner(u.dma());
                u.dma().setVaddr(u.vaddr());
                u.dma().setVaddrInvalid(false);
                vaddrInvalidCount--;
                return;
            }
            MapPlan.NewDma n = (MapPlan.NewDma) plan;
            VfioDma dma = linkNewDma(n);
            if (domains.isEmpty()) {
                dma.setSize(n.size());
                return;
            }
            try {
                pins.pinMapDma(this, dma, n.size());
                dma.setIommuMapped(true);
            } catch (RuntimeException e) {
                removeDma(dma);
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The review's user-space alternative made cheaper (not a kernel interface): MAP_DMA whose checks,
     * allocation and linking happen under the container mutex as usual, but whose pinning and IOMMU
     * mapping run after the mutex is dropped, so that N tasks mapping disjoint slices pin at the same
     * time; the size is published under the mutex again. While in flight the entry reserves its IOVA
     * range (a concurrent overlapping MAP_DMA gets EEXIST), UNMAP_DMA skips it and attaching a domain
     * is EBUSY. All or nothing as {@link #mapDma}.
     */
    public void mapDmaPinOutsideMutex(DmaMapRequest req) {
        DmaMapChecks.MapArgs a = DmaMapChecks.checkUnlocked(req, params.overflowChecks());
        VfioDma dma;
        long size;
        lock.lock();
        try {
            MapPlan plan = DmaMapChecks.checkLocked(a, pgsizeBitmap, dmas, dmaAvail, iovas, params.overflowChecks());
            if (plan instanceof MapPlan.UpdateVaddr u) {
                pins.changeDmaOwner(u.dma());
                u.dma().setVaddr(u.vaddr());
                u.dma().setVaddrInvalid(false);
                vaddrInvalidCount--;
                return;
            }
            MapPlan.NewDma n = (MapPlan.NewDma) plan;
            dma = linkNewDma(n);
            size = n.size();
            if (domains.isEmpty()) {
                dma.setSize(size);
                return;
            }
            dma.setInFlightSize(size);
            inFlightMaps++;
        } finally {
            lock.unlock();
        }
        RuntimeException failure = null;
        try {
            pins.pinMapDmaDetached(this, dma, size);
        } catch (RuntimeException e) {
            failure = e;
        }
        lock.lock();
        try {
            dma.setInFlightSize(0);
            inFlightMaps--;
            if (failure != null) {
                removeDma(dma); // size 0: the pin path has undone its part; unlink and dma_avail++
                throw failure;
            }
            dma.setSize(size);
            dma.setIommuMapped(true);
        } finally {
            lock.unlock();
        }
    }

    /** Steps 11-12 of vfio-gup.md 1.4: kzalloc (fail-nth ENOMEM), dma_avail--, link with size 0. */
    private VfioDma linkNewDma(MapPlan.NewDma n) {
        if (FailNth.shouldFail(kernel, FAIL_DMA_ALLOC)) {
            throw new KernelException(Errno.ENOMEM, FAIL_DMA_ALLOC, "fail-nth: kzalloc(vfio_dma)");
        }
        kernel.work(costs.vfioDmaAllocNs());
        dmaAvail--;
        // dma->task = current->group_leader, lock_cap = capable(CAP_IPC_LOCK), dma->mm = current->mm
        MmStruct mm = kernel.current().attachment(MmStruct.class);
        VfioDma dma = new VfioDma(n.iova(), n.vaddr(), n.prot(), mm != null && mm.capIpcLock(),
                kernel.current().tgid());
        dma.setMm(mm);
        dmas.link(dma);
        return dma;
    }

    /**
     * {@code vfio_remove_dma()}: unmap from every domain and unpin, uncharge, unlink,
     * {@code dma_avail++}. Container mutex held.
     */
    public void removeDma(VfioDma dma) {
        lock.assertHeld();
        long unlocked = VfioUnmapUnpin.unmapUnpin(kernel, domains, dma, pins, costs);
        if (unlocked != 0) {
            pins.lockAcct(dma, -unlocked, true);
        }
        dmas.unlink(dma);
        if (dma.vaddrInvalid()) {
            vaddrInvalidCount--;
        }
        dmaAvail++;
    }

    // ---- UNMAP_DMA ----------------------------------------------------------------------------

    /**
     * VFIO_IOMMU_UNMAP_DMA: returns the bytes unmapped (written back to {@code unmap.size}). v1
     * semantics: a request starting inside a mapping unmaps 0 bytes, one covering a mapping's first
     * IOVA removes it whole; v2: bisecting is EINVAL (vfio-gup.md 1.7). External (mdev) pins and the
     * dirty bitmap copy are not modelled yet.
     */
    public long unmapDma(DmaUnmapRequest req) {
        DmaUnmapChecks.checkUnlocked(req);
        lock.lock();
        try {
            UnmapRange r = DmaUnmapChecks.checkLocked(req, pgsizeBitmap, emulatedGroups, dirtyTracking,
                    params.overflowChecks());
            if (params.v2() && !r.all()) {
                DmaUnmapChecks.checkV2(r, dmas);
            }
            long unmapped = 0;
            VfioDma firstN = dmas.firstNode(r.iova(), r.last());
            VfioDma d = firstN;
            while (d != null) {
                if (Long.compareUnsigned(d.iova(), r.last()) > 0) {
                    break;
                }
                if (!params.v2() && Long.compareUnsigned(r.iova(), d.iova()) > 0) {
                    break;
                }
                if (d.inFlight()) {
                    // being built by a MAP_DMA that pins outside the mutex: not mapped yet, not ours
                    d = dmas.next(d);
                    continue;
                }
                if (r.invalidateVaddr()) {
                    if (d.vaddrInvalid()) {
                        for (VfioDma x = firstN; x != d; x = dmas.next(x)) {
                            x.setVaddrInvalid(false);
                            vaddrInvalidCount--;
                        }
                        throw new KernelException(Errno.EINVAL, "vfio_dma_do_unmap:vaddr_already_invalid",
                                d + " already has an invalid vaddr");
                    }
                    d.setVaddrInvalid(true);
                    vaddrInvalidCount++;
                    unmapped += d.size();
                    d = dmas.next(d);
                    continue;
                }
                unmapped += d.size();
                VfioDma next = dmas.next(d);
                removeDma(d);
                d = next;
            }
            return unmapped;
        } finally {
            lock.unlock();
        }
    }

    // ---- GET_INFO -----------------------------------------------------------------------------

    /**
     * VFIO_IOMMU_GET_INFO with a user buffer of {@code argsz} bytes ({@code userBytes} readable):
     * EFAULT/EINVAL on the header; caps copied only when {@code argsz} holds info + caps, else
     * {@code argsz} is raised to the size needed (vfio-gup.md 1.12).
     */
    public Type1Info getInfo(long userBytes, int argsz) {
        if (userBytes < VfioUapi.INFO_MINSZ) {
            throw new KernelException(Errno.EFAULT, "get_info:copy_from_user", "argument not readable");
        }
        if (Integer.compareUnsigned(argsz, VfioUapi.INFO_MINSZ) < 0) {
            throw new KernelException(Errno.EINVAL, "get_info:argsz", "argsz " + argsz + " < " + VfioUapi.INFO_MINSZ);
        }
        lock.lock();
        try {
            int flags = VfioUapi.INFO_FLAG_PGSIZES | VfioUapi.INFO_FLAG_CAPS;
            // MIGRATION 32 bytes; DMA_AVAIL 12 -> 16 (caps are 8-byte aligned); IOVA_RANGE 16 + 16/range
            int capsSize = 32 + 16 + (iovas.isEmpty() ? 0 : 16 + 16 * iovas.ranges().size());
            int needed = VfioUapi.INFO_SIZE + capsSize;
            boolean fits = Integer.compareUnsigned(argsz, needed) >= 0;
            int outArgsz = fits ? argsz : needed;
            int capOffset = fits ? VfioUapi.INFO_SIZE : 0;
            return new Type1Info(outArgsz, flags, pgsizeBitmap, capOffset, fits, minPageSize(),
                    VfioUapi.DIRTY_BITMAP_SIZE_MAX, dmaAvail, iovas.ranges());
        } finally {
            lock.unlock();
        }
    }
}
