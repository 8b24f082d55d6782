package org.kemu.vfiotype1.type1;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.padatacore.Padata;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.SpinLock;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuMapping;
import org.kemu.vfiotype1.IommuStats;
import org.kemu.vfiotype1.PageSizes;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Info;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.Type1Stats;
import org.kemu.vfiotype1.VfioUapi;
import org.kemu.vfiotype1.iommu.AbstractIommuDomain;

/**
 * {@code struct vfio_iommu}, the type1 container, and its ioctls (drivers/vfio/vfio_iommu_type1.c,
 * docs/kernel/vfio-gup.md section 1): the container mutex, domains, {@code pgsize_bitmap}, the valid IOVA list, the DMA
 * tree, {@code dma_avail}, v1/v2 semantics, and MAP_DMA / UNMAP_DMA / GET_INFO with the kernel's
 * checks in their order. MAP_DMA pins through {@link VfioPinMapDma}, UNMAP_DMA unpins through
 * {@link VfioUnmapUnpin}; both call only down (mm-gup, padata, the IOMMU domains).
 *
 * <p>Ioctl methods take the container mutex themselves and must be called from a task; methods
 * named after kernel helpers that the kernel calls with the mutex held assert it.
 */
final class VfioIommu implements Type1Container {
    /** fail-nth point at {@code kzalloc(sizeof(*dma))} in vfio_dma_do_map() (ENOMEM). */
    public static final String FAIL_DMA_ALLOC = "vfio_dma_do_map:kzalloc";

    private final Kernel kernel;
    private final Type1Params params;
    private final PinConfig pinConfig;
    private final Type1Costs costs;
    private final PhysicalMemory pm;
    private final LockedVm lockedVm;
    private final IommuDomainFactory domainFactory;
    private final Mutex lock;
    private final DmaTree dmas = new DmaTree();
    private final List<IommuDomain> domains = new ArrayList<>();
    private final Type1Counters counters;
    private final VfioLockAcct acct;
    private final VfioPinPages pages;
    private final VfioPinMapDma pinMap;
    private final Set<MmStruct> mms = new LinkedHashSet<>();
    private final SpinLock mmsLock;
    private IovaList iovas = IovaList.empty();
    private long pgsizeBitmap = PageSizes.PAGE_MASK;
    private int dmaAvail;
    private int vaddrInvalidCount;
    private boolean emulatedGroups;
    private boolean dirtyTracking;
    private int inFlightMaps;

    /** {@code vfio_iommu_type1_open()}: a container pinning with {@code gup} as {@code pin} says. */
    VfioIommu(Kernel kernel, PhysicalMemory pm, AddressSpaces mm, Gup gup, LockedVm lockedVm, Padata padata,
            Type1Params params, PinConfig pin, Type1Costs costs, IommuDomainFactory domainFactory) {
        this.kernel = Objects.requireNonNull(kernel);
        this.params = Objects.requireNonNull(params);
        this.pinConfig = Objects.requireNonNull(pin);
        this.costs = Objects.requireNonNull(costs);
        this.pm = Objects.requireNonNull(pm);
        this.lockedVm = Objects.requireNonNull(lockedVm);
        this.domainFactory = Objects.requireNonNull(domainFactory);
        this.lock = kernel.mutex("vfio_iommu.lock");
        this.dmaAvail = params.dmaEntryLimit();
        this.counters = new Type1Counters(kernel.topology().nodes(), pm.nrNodes());
        this.acct = new VfioLockAcct(kernel, lockedVm, costs.lockAcctNs(), counters, pin.locking());
        this.pages = new VfioPinPages(kernel, pm, Objects.requireNonNull(mm), Objects.requireNonNull(gup), acct, costs,
                pin.folioBatchedRuns(), params.disableHugepages(), counters, pin.locking().readLockPerRun());
        this.pinMap = new VfioPinMapDma(kernel, pages, acct, padata, pin, costs, params.disableHugepages(), counters);
        this.mmsLock = kernel.spinlock("type1_container.mms");
    }

    @Override
    public PinConfig pinConfig() {
        return pinConfig;
    }

    /** MAP_DMA calls pinning outside the mutex right now ({@link #mapDmaPinOutsideMutex}). */
    int inFlightMaps() {
        return inFlightMaps;
    }

    // ---- state --------------------------------------------------------------------------------

    @Override
    public Kernel kernel() {
        return kernel;
    }

    Type1Params params() {
        return params;
    }

    Mutex lock() {
        return lock;
    }

    DmaTree dmas() {
        return dmas;
    }

    List<IommuDomain> domains() {
        return List.copyOf(domains);
    }

    IovaList iovaList() {
        return iovas;
    }

    long pgsizeBitmap() {
        return pgsizeBitmap;
    }

    long minPageSize() {
        return PageSizes.minPageSize(pgsizeBitmap);
    }

    int dmaAvail() {
        return dmaAvail;
    }

    int vaddrInvalidCount() {
        return vaddrInvalidCount;
    }

    /** Marks that emulated (mdev) groups are attached: UNMAP with VADDR then fails EBUSY. */
    void setEmulatedGroups(boolean e) {
        emulatedGroups = e;
    }

    void setDirtyTracking(boolean d) {
        dirtyTracking = d;
    }

    // ---- domains ------------------------------------------------------------------------------

    /**
     * The IOVA and page-size part of attaching a group in a new domain: aperture and reserved-region
     * checks (EINVAL), the narrowed valid list, the new {@code pgsize_bitmap}. Existing dmas are
     * replayed into the new domain; a dma that was never IOMMU-mapped would need the pin path
     * (not yet supported here: IllegalStateException).
     */
    @Override
    public IommuDomain attachDomain(IommuDomainSpec spec) {
        return kernel.syscall(() -> {
            IommuDomain d = domainFactory.allocate(kernel, spec);
            attachDomain(d);
            return d;
        });
    }

    void attachDomain(IommuDomain d) {
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
                // runs are not clipped and may span neighbouring dmas: replay only this dma's part
                for (IommuMapping m : first.mappings(dma.iova(), dma.last())) {
                    long s = Long.compareUnsigned(m.iova(), dma.iova()) >= 0 ? m.iova() : dma.iova();
                    long e = Long.compareUnsigned(m.last(), dma.last()) <= 0 ? m.last() : dma.last();
                    d.map(s, m.phys(s), e - s + 1, m.prot());
                    done.add(new long[] {s, e - s + 1});
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
     * hidden and PAGE_SIZE forced in (docs/kernel/vfio-gup.md section 1.3).
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

    // ---- MAP_DMA ------------------------------------------------------------------------------

    /**
     * VFIO_IOMMU_MAP_DMA: the checks of {@link DmaMapChecks}, allocation and linking, then (with a
     * domain) the pin path. All or nothing: on failure the dma is removed again.
     */
    @Override
    public void mapDma(DmaMapRequest req) {
        // an ioctl: the caller's time in it is system time (account_system_time), not user time
        kernel.syscall(() -> {
            vfioDmaDoMap(req);
            return null;
        });
    }

    private void vfioDmaDoMap(DmaMapRequest req) {
        noteCurrentMm();
        DmaMapChecks.MapArgs a = DmaMapChecks.checkUnlocked(req, params.overflowChecks());
        lock.lock();
        try {
            MapPlan.NewDma n = checkLockedOrUpdateVaddr(a);
            if (n == null) {
                return;
            }
            VfioDma dma = linkNewDma(n);
            if (domains.isEmpty()) {
                dma.setSize(n.size());
                return;
            }
            try {
                pinMap.pinMapDma(List.copyOf(domains), dma, n.size());
                dma.setIommuMapped(true);
            } catch (RuntimeException e) {
                removeDma(dma);
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void mapDmaPinOutsideMutex(DmaMapRequest req) {
        kernel.syscall(() -> {
            mapDmaPinOutsideMutexInKernel(req);
            return null;
        });
    }

    private void mapDmaPinOutsideMutexInKernel(DmaMapRequest req) {
        noteCurrentMm();
        DmaMapChecks.MapArgs a = DmaMapChecks.checkUnlocked(req, params.overflowChecks());
        VfioDma dma;
        long size;
        List<IommuDomain> mapInto;
        lock.lock();
        try {
            MapPlan.NewDma n = checkLockedOrUpdateVaddr(a);
            if (n == null) {
                return;
            }
            dma = linkNewDma(n);
            size = n.size();
            if (domains.isEmpty()) {
                dma.setSize(size);
                return;
            }
            dma.setInFlightSize(size);
            inFlightMaps++;
            mapInto = List.copyOf(domains);
        } finally {
            lock.unlock();
        }
        RuntimeException failure = null;
        try {
            pinMap.pinMapDmaDetached(mapInto, dma, size);
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

    /**
     * Steps 7-10 under the container mutex; a VADDR update is done here ({@code vfio_change_dma_owner()},
     * new vaddr) and gives null, a new dma gives what to link.
     */
    private MapPlan.NewDma checkLockedOrUpdateVaddr(DmaMapChecks.MapArgs a) {
        MapPlan plan = DmaMapChecks.checkLocked(a, pgsizeBitmap, dmas, dmaAvail, iovas, params.overflowChecks());
        if (plan instanceof MapPlan.UpdateVaddr u) {
            acct.changeDmaOwner(u.dma());
            u.dma().setVaddr(u.vaddr());
            u.dma().setVaddrInvalid(false);
            vaddrInvalidCount--;
            return null;
        }
        return (MapPlan.NewDma) plan;
    }

    @Override
    public void checkMapDma(DmaMapRequest req) {
        // pgsize_bitmap changes only at attach; reading it without the mutex keeps the check free
        DmaMapChecks.checkAlignment(DmaMapChecks.checkUnlocked(req, params.overflowChecks()), pgsizeBitmap,
                params.overflowChecks());
    }

    /** Steps 11-12 of docs/kernel/vfio-gup.md section 1.4: kzalloc (fail-nth ENOMEM), dma_avail--, link with size 0. */
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
    void removeDma(VfioDma dma) {
        lock.assertHeld();
        long unlocked = VfioUnmapUnpin.unmapUnpin(kernel, domains, dma, pages, costs);
        if (unlocked != 0) {
            acct.lockAcct(dma, -unlocked, true);
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
     * IOVA removes it whole; v2: bisecting is EINVAL (docs/kernel/vfio-gup.md section 1.7). External (mdev) pins and the
     * dirty bitmap copy are not modelled yet.
     */
    @Override
    public long unmapDma(DmaUnmapRequest req) {
        return kernel.syscall(() -> vfioDmaDoUnmap(req));
    }

    private long vfioDmaDoUnmap(DmaUnmapRequest req) {
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
     * {@code argsz} is raised to the size needed (docs/kernel/vfio-gup.md section 1.12).
     */
    Type1Info getInfo(long userBytes, int argsz) {
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

    @Override
    public Type1Info getInfo(int argsz) {
        return getInfo(argsz, argsz);
    }

    // ---- statistics and invariants ------------------------------------------------------------

    private void noteCurrentMm() {
        MmStruct mm = kernel.current().attachment(MmStruct.class);
        if (mm != null) {
            mmsLock.lock();
            try {
                mms.add(mm);
            } finally {
                mmsLock.unlock();
            }
        }
    }

    @Override
    public Type1Stats stats() {
        Type1Counters s = counters;
        long mapCalls = 0;
        long unmapCalls = 0;
        long syncs = 0;
        List<IommuStats> byDomain = new ArrayList<>();
        List<LockStats> domainLocks = new ArrayList<>();
        List<IommuDomain> ds = domains();
        for (IommuDomain d : ds) {
            IommuStats st = d.stats();
            mapCalls += st.mapCalls();
            unmapCalls += st.unmapCalls();
            syncs += st.iotlbSyncs();
            byDomain.add(st);
            if (d instanceof AbstractIommuDomain a) {
                a.lockStats().ifPresent(domainLocks::add);
            }
        }
        NavigableMap<Long, Long> ptes = ds.isEmpty() ? new TreeMap<>() : new TreeMap<>(ds.get(0).pteCounts());
        List<LockStats> mmap = new ArrayList<>();
        for (MmStruct mm : mms) {
            mmap.add(mm.mmapLock().stats());
        }
        return new Type1Stats(s.runs.get(), s.batchRefills.get(), s.pagesPinned.get(), s.reservedPages.get(),
                s.lockAcctCalls.get(), s.lockAcctNs.get(), s.lockCacheRefills.get(), s.lockCacheRefillFailures.get(),
                s.unpinCalls.get(), s.pagesUnpinned.get(), s.padataJobs.get(), s.padataChunks.get(), s.gupNs.get(),
                s.faultClearNs.get(), mapCalls, unmapCalls, syncs, ptes, List.copyOf(byDomain), lock.stats(),
                List.copyOf(mmap), List.copyOf(domainLocks), s.runsByPages(), s.lockAcctAtomicCalls.get(),
                s.mmapReadLocks.get(), s.pagesByCpuAndMemoryNode());
    }

    @Override
    public List<String> checkInvariants() {
        return ContainerInvariants.check(this, pm, lockedVm, List.copyOf(mms));
    }
}
