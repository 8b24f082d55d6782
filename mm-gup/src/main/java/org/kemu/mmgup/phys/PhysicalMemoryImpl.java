package org.kemu.mmgup.phys;

import java.util.ArrayList;
import java.util.List;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.Vmstat;
import org.kemu.mmgup.Zone;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * Physical memory in 1 GiB blocks, split on demand into 2 MiB blocks, whose order-0 pages are bitmaps
 * with shared or packed refcounts ({@link SmallBlock}); large folios keep one refcount and one exact
 * pin count each, and nothing is allocated per page. This class wires the parts and answers the
 * {@link PhysicalMemory} queries; the mm and GUP code works on the parts: {@link #pageAlloc()},
 * {@link #largeFolioAlloc()}, {@link #refs()}, {@link #hugetlb()} and {@link #events()}, under
 * {@link #meta()} (see {@link MemMap} for the locking).
 */
public final class PhysicalMemoryImpl implements PhysicalMemory {
    private final Kernel kernel;
    private final MmCosts costs;
    private final MemMap map;
    private final PageAlloc pageAlloc;
    private final LargeFolioAlloc largeFolioAlloc;
    private final HugetlbPool hugetlb;
    private final FolioRefs refs;
    private final VmEvents events = new VmEvents();
    private final ModNodeState follPinAcquired;
    private final ModNodeState follPinReleased;
    private final PerCpuPages pcp;
    private final List<long[]> ioRegions = new ArrayList<>();
    private long ioTop;

    public PhysicalMemoryImpl(Kernel kernel, MemoryConfig config, MmCosts costs) {
        this.kernel = kernel;
        this.costs = costs;
        this.map = new MemMap(kernel, config);
        this.pageAlloc = new PageAlloc(map);
        this.largeFolioAlloc = new LargeFolioAlloc(map);
        this.ioTop = map.nodeSpan * map.nodes.length;
        this.hugetlb = new HugetlbPool(kernel, costs, map, largeFolioAlloc);
        this.refs = new FolioRefs(map, pageAlloc, largeFolioAlloc, hugetlb);
        this.pcp = new PerCpuPages(kernel, this);
        long nodeBytes = map.nodes[0].nrPages << MmConstants.PAGE_SHIFT;
        this.follPinAcquired = new ModNodeState(kernel, "nr_foll_pin_acquired", nodeBytes);
        this.follPinReleased = new ModNodeState(kernel, "nr_foll_pin_released", nodeBytes);
    }

    /** NR_FOLL_PIN_ACQUIRED's per-CPU differentials and folds (try_grab_page, try_grab_compound_head). */
    public ModNodeState follPinAcquired() {
        return follPinAcquired;
    }

    /** NR_FOLL_PIN_RELEASED's (put_compound_head, unpin_user_page). */
    public ModNodeState follPinReleased() {
        return follPinReleased;
    }

    public Kernel kernel() {
        return kernel;
    }

    public MmCosts costs() {
        return costs;
    }

    /** The metadata lock every {@code ...Locked} method of the parts requires (elided on the simulated backend). */
    public SpinLock meta() {
        return map.meta;
    }

    /** {@code zone->lock} of node {@code nid}: held around allocation work, for contention. */
    public SpinLock zoneLock(int nid) {
        return map.nodes[nid].zoneLock;
    }

    public PageAlloc pageAlloc() {
        return pageAlloc;
    }

    public LargeFolioAlloc largeFolioAlloc() {
        return largeFolioAlloc;
    }

    public FolioRefs refs() {
        return refs;
    }

    public HugetlbPool hugetlb() {
        return hugetlb;
    }

    /** The per-CPU page lists of order-0 movable pages. */
    public PerCpuPages pcp() {
        return pcp;
    }

    public VmEvents events() {
        return events;
    }

    // ---- PhysicalMemory -------------------------------------------------------------------------

    @Override
    public MemoryConfig config() {
        return map.config;
    }

    @Override
    public int nrNodes() {
        return map.nodes.length;
    }

    @Override
    public long nodeStartPfn(int nid) {
        return map.nodes[nid].startPfn;
    }

    @Override
    public long nodePages(int nid) {
        return map.nodes[nid].nrPages;
    }

    @Override
    public long zoneStartPfn(int nid, Zone zone) {
        NodeMem m = map.nodes[nid];
        return m.startPfn + ((long) m.zoneStart(zone.ordinal()) << 9);
    }

    @Override
    public boolean pfnValid(long pfn) {
        return map.pfnValid(pfn);
    }

    @Override
    public boolean isInvalidReserved(long pfn) {
        return !map.pfnValid(pfn);
    }

    @Override
    public int nodeOf(long pfn) {
        return map.nodeOf(pfn);
    }

    @Override
    public Zone zoneOf(long pfn) {
        return map.zoneOf(pfn);
    }

    @Override
    public boolean isAllocated(long pfn) {
        return refs.isAllocated(pfn);
    }

    @Override
    public int folioOrder(long pfn) {
        return map.folioOrder(pfn);
    }

    @Override
    public boolean isHugetlb(long pfn) {
        return map.isHugetlb(pfn);
    }

    @Override
    public int refcount(long pfn) {
        return refs.refcount(pfn);
    }

    @Override
    public int pincount(long pfn) {
        return refs.pincount(pfn);
    }

    @Override
    public long freePages(int nid, Zone zone) {
        return map.nodes[nid].free[zone.ordinal()];
    }

    @Override
    public long addIoRegion(long nrPages) {
        KernelException.require(nrPages > 0, Errno.EINVAL, "io_region", "empty IO region");
        long base = ioTop;
        ioRegions.add(new long[] {base, base + nrPages});
        ioTop = (base + nrPages + MmConstants.PUD_PAGES - 1) & -(long) MmConstants.PUD_PAGES;
        return base;
    }

    @Override
    public boolean hugetlbReservePages(int order, long n) {
        return hugetlb.reservePages(order, n);
    }

    @Override
    public void hugetlbUnreservePages(int order, long n) {
        hugetlb.unreservePages(order, n);
    }

    @Override
    public long allocHugetlbFolio(int prefNid, int order, boolean consumeReservation, boolean thisNodeOnly) {
        return hugetlb.allocFolio(prefNid, order, consumeReservation, thisNodeOnly);
    }

    @Override
    public long hugetlbReservedByMappings(int order) {
        HugetlbPool.checkOrder(order);
        return hugetlb.reservedByMappings(order);
    }

    @Override
    public long hugetlbDirectReservations(int order) {
        return hugetlb.directReservations(order);
    }

    @Override
    public void freeHugetlbFolio(long head) {
        if (!(isHugetlb(head) && folioHead(head) == head && refcount(head) > 0)) {
            // built only on failure: this runs once per folio freed
            throw new KernelException(Errno.EINVAL, "hugetlb:free", "not an allocated hugetlb folio head: pfn " + head);
        }
        refs.putFolio(head);
    }

    @Override
    public long nrHugepages(int nid, int order) {
        return hugetlb.nrHugepages(nid, order);
    }

    @Override
    public long freeHugepages(int nid, int order) {
        return hugetlb.freeHugepages(nid, order);
    }

    @Override
    public long resvHugepages(int order) {
        return hugetlb.resvHugepages(order);
    }

    @Override
    public void setNrHugepages(int nid, int order, long count) {
        hugetlb.setNrHugepages(nid, order, count);
    }

    @Override
    public long allocFreshHugetlbFolio(int nid, int order) {
        return hugetlb.allocFreshFolio(nid, order);
    }

    @Override
    public void addAllocatedHugetlbFolios(int order, long[] heads, int n) {
        hugetlb.addAllocatedFolios(order, heads, n);
    }

    @Override
    public Vmstat vmstat() {
        return events.snapshot();
    }

    @Override
    public long pinnedPages() {
        return refs.pinnedPages();
    }

    @Override
    public long[] pinnedPfns(int max) {
        return refs.pinnedPfns(max);
    }

    @Override
    public java.util.Map<org.kemu.schedfair.MemCgroup, Long> memcgUserCharges() {
        map.meta.lock();
        try {
            return refs.memcg().byMemcgLocked();
        } finally {
            map.meta.unlock();
        }
    }

    @Override
    public long estimatedHeapBytes() {
        return map.heapBytes() + refs.heapBytes();
    }
}
