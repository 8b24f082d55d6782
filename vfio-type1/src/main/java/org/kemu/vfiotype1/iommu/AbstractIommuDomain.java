package org.kemu.vfiotype1.iommu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.SpinLock;
import org.kemu.vfiotype1.DomainLockKind;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuGather;
import org.kemu.vfiotype1.IommuMapping;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.IommuStats;
import org.kemu.vfiotype1.PageSizes;
import org.kemu.vfiotype1.PgsizeChoice;

/**
 * The IOMMU core's half of a domain (drivers/iommu/iommu.c {@code __iommu_map},
 * {@code __iommu_unmap}, {@code iommu_unmap}, {@code iommu_unmap_fast}, {@code iommu_iotlb_sync}):
 * alignment checks, chunking by {@code iommu_pgsize()}, unrolling a failed map, the optional
 * per-domain lock and time. Subclasses are the driver's {@code map_pages}/{@code unmap_pages}.
 *
 * <p>Time: each core call accumulates its per-call cost and the per-leaf costs its driver callbacks
 * report, and charges the sum as one {@code kernel.work()} while still holding the domain lock (the
 * lock is held for the time the table update takes). An IOTLB sync is charged as its own item.
 *
 * <p>The emulation's table is a Java structure that the emulated domain lock does not protect when
 * the driver is lockless (its real counterpart updates PTEs with cmpxchg); table operations are
 * therefore also made atomic with a plain Java monitor that never encloses a kernel call. That
 * monitor models cmpxchg atomicity, not an emulated lock.
 */
public abstract class AbstractIommuDomain implements IommuDomain {
    protected final Kernel kernel;
    protected final IommuDomainSpec spec;
    protected final IoPageTable table;
    private final Mutex mutex;
    private final SpinLock spinlock;
    private final List<String> warnings = new ArrayList<>();
    /** VT-d's shared {@code dmar_domain->max_addr}, for specs that keep it; null otherwise. */
    private final DmarMaxAddr maxAddr;

    private long mapCalls;
    private long mapFailures;
    private long mapPagesCalls;
    private long unmapCalls;
    private long ptesWritten;
    private long ptesCleared;
    private long iotlbSyncs;
    private long costNs;

    protected AbstractIommuDomain(Kernel kernel, IommuDomainSpec spec, boolean mergeRuns) {
        this.kernel = kernel;
        this.spec = spec;
        this.table = new IoPageTable(spec.minPageSize(), mergeRuns);
        this.mutex = spec.lock() == DomainLockKind.MUTEX ? kernel.mutex("iommu_domain:" + spec.name()) : null;
        this.spinlock = spec.lock() == DomainLockKind.SPINLOCK ? kernel.spinlock("iommu_domain:" + spec.name())
                : null;
        this.maxAddr = spec.maxAddrLine() ? new DmarMaxAddr(kernel) : null;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public IommuDomainSpec spec() {
        return spec;
    }

    // ---- driver callbacks ---------------------------------------------------------------------

    /**
     * {@code ops->map_pages(iova, paddr, pgsize, count)}: install the leaves or set
     * {@code call.error}; add bytes, leaves and cost to {@code call} for what was installed.
     */
    protected abstract void mapPages(DomainCall call, long iova, long paddr, long pgsize, long count,
            IommuProt prot);

    /**
     * {@code ops->unmap_pages(iova, pgsize, count, gather)}: returns bytes unmapped (0 stops the
     * core's loop) and adds leaves and cost to {@code call}.
     */
    protected abstract long unmapPages(DomainCall call, long iova, long pgsize, long count, IommuGather gather);

    // ---- core ---------------------------------------------------------------------------------

    @Override
    public void map(long iova, long paddr, long size, IommuProt prot) {
        long min = spec.minPageSize();
        synchronized (table) {
            mapCalls++;
        }
        if (!PageSizes.aligned(iova | paddr | size, min)) {
            synchronized (table) {
                mapFailures++;
            }
            throw new KernelException(Errno.EINVAL, "iommu_map:unaligned", "iova 0x" + Long.toHexString(iova)
                    + " pa 0x" + Long.toHexString(paddr) + " size 0x" + Long.toHexString(size)
                    + " not aligned to the minimum page size 0x" + Long.toHexString(min));
        }
        if (size == 0) {
            return;
        }
        DomainCall call = new DomainCall(spec.costs().mapCallNs());
        long driverCalls = 0;
        lock();
        try {
            while (call.bytes != size && call.error == null) {
                PgsizeChoice c = PageSizes.iommuPgsize(spec.pgsizeBitmap(), iova + call.bytes, paddr + call.bytes,
                        size - call.bytes);
                synchronized (table) {
                    mapPagesCalls++;
                }
                driverCalls++;
                mapPages(call, iova + call.bytes, paddr + call.bytes, c.pgsize(), c.count(), prot);
            }
            if (call.error == null) {
                call.costNs += spec.costs().iotlbSyncMapNs();
            }
            synchronized (table) {
                ptesWritten += call.leaves;
            }
            if (maxAddr != null && call.error == null && call.costNs > 0) {
                // intel_iommu_map per leaf (5.14: no map_pages) or per run of equal leaves (5.15+)
                long calls = kernel.kernelVersion().vtdMapPages() ? driverCalls : call.leaves;
                chargeWithMaxAddr(call.costNs, calls, iova + size);
            } else {
                charge(call.costNs);
            }
        } finally {
            unlock();
        }
        if (call.error != null) {
            // __iommu_map: "unroll mapping in case something went wrong" with a full iommu_unmap().
            if (call.bytes != 0) {
                unmap(iova, call.bytes);
            }
            synchronized (table) {
                mapFailures++;
            }
            throw call.error;
        }
    }

    @Override
    public long unmap(long iova, long size) {
        IommuGather gather = new IommuGather();
        long n = unmapFast(iova, size, gather);
        iotlbSync(gather);
        return n;
    }

    @Override
    public long unmapFast(long iova, long size, IommuGather gather) {
        synchronized (table) {
            unmapCalls++;
        }
        if (!PageSizes.aligned(iova | size, spec.minPageSize())) {
            // __iommu_unmap: pr_err("unaligned: ...") and return 0.
            return 0;
        }
        DomainCall call = new DomainCall(spec.costs().unmapCallNs());
        lock();
        try {
            long cur = iova;
            while (Long.compareUnsigned(call.bytes, size) < 0) {
                PgsizeChoice c = PageSizes.iommuPgsize(spec.pgsizeBitmap(), cur, cur, size - call.bytes);
                long n = unmapPages(call, cur, c.pgsize(), c.count(), gather);
                if (n == 0) {
                    break;
                }
                cur += n;
                call.bytes += n;
            }
            synchronized (table) {
                ptesCleared += call.leaves;
            }
            charge(call.costNs);
        } finally {
            unlock();
        }
        return call.bytes;
    }

    @Override
    public void iotlbSync(IommuGather gather) {
        if (gather.isEmpty()) {
            return;
        }
        synchronized (table) {
            iotlbSyncs++;
        }
        charge(spec.costs().iotlbFlushNs());
        gather.reset();
    }

    /**
     * The map's time, then what {@code dmar_domain->max_addr}'s line cost its calls meanwhile
     * ({@link DmarMaxAddr}), as follow-on time when the map's own time ends.
     */
    private void chargeWithMaxAddr(long ns, long calls, long iovaEnd) {
        DmarMaxAddr.Burst b = maxAddr.begin(Math.max(0, kernel.current().cpu()), kernel.now(), ns, calls, iovaEnd);
        kernel.work(ns, 0, 0, () -> {
            long stall = b.stallNs();
            synchronized (table) {
                costNs += ns + stall;
            }
            return stall;
        });
    }

    /** Line transfers of VT-d's {@code max_addr} so far (0 for a domain without it). */
    public long maxAddrTransfers() {
        return maxAddr == null ? 0 : maxAddr.transfers();
    }

    private void charge(long ns) {
        if (ns > 0) {
            kernel.work(ns);
            synchronized (table) {
                costNs += ns;
            }
        }
    }

    private void lock() {
        if (mutex != null) {
            mutex.lock();
        } else if (spinlock != null) {
            spinlock.lock();
        }
    }

    private void unlock() {
        if (mutex != null) {
            mutex.unlock();
        } else if (spinlock != null) {
            spinlock.unlock();
        }
    }

    /** Records a WARN_ON the driver hit. */
    protected final void warn(String what) {
        synchronized (table) {
            warnings.add(what);
        }
    }

    // ---- queries ------------------------------------------------------------------------------

    @Override
    public long iovaToPhys(long iova) {
        synchronized (table) {
            PteRun r = table.containing(iova);
            return r == null ? 0 : r.paddr() + (iova - r.iova());
        }
    }

    @Override
    public Optional<IommuMapping> lookup(long iova) {
        synchronized (table) {
            PteRun r = table.containing(iova);
            return r == null ? Optional.empty() : Optional.of(r.toMapping());
        }
    }

    @Override
    public List<IommuMapping> mappings() {
        synchronized (table) {
            return table.all().stream().map(PteRun::toMapping).toList();
        }
    }

    @Override
    public void forEachMapping(java.util.function.Consumer<IommuMapping> visit) {
        synchronized (table) {
            table.forEach(r -> visit.accept(r.toMapping()));
        }
    }

    @Override
    public List<IommuMapping> mappings(long start, long last) {
        synchronized (table) {
            return table.overlapping(start, last).stream().map(PteRun::toMapping).toList();
        }
    }

    @Override
    public void forEachMapping(long start, long last, java.util.function.Consumer<IommuMapping> visit) {
        synchronized (table) {
            table.forEachOverlapping(start, last, r -> visit.accept(r.toMapping()));
        }
    }

    @Override
    public long mappedPtes(long pgsize) {
        synchronized (table) {
            return table.leaves(pgsize);
        }
    }

    @Override
    public NavigableMap<Long, Long> pteCounts() {
        synchronized (table) {
            return Collections.unmodifiableNavigableMap(table.leafCounts());
        }
    }

    @Override
    public long mappedBytes() {
        synchronized (table) {
            return table.bytes();
        }
    }

    /** Runs the table is stored in (a measure of the compact representation). */
    public int storedRuns() {
        synchronized (table) {
            return table.runCount();
        }
    }

    @Override
    public IommuStats stats() {
        synchronized (table) {
            return new IommuStats(mapCalls, mapFailures, mapPagesCalls, unmapCalls, ptesWritten, ptesCleared,
                    iotlbSyncs, costNs, maxAddrTransfers());
        }
    }

    @Override
    public List<String> warnings() {
        synchronized (table) {
            return List.copyOf(warnings);
        }
    }

    /** Statistics of the per-domain lock, if the driver takes one. */
    public Optional<LockStats> lockStats() {
        if (mutex != null) {
            return Optional.of(mutex.stats());
        }
        return spinlock == null ? Optional.empty() : Optional.of(spinlock.stats());
    }

    @Override
    public String toString() {
        return "iommu_domain[" + spec.name() + "]";
    }
}
