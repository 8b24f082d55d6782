package org.kemu.vfiotype1.pin;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.padatacore.Padata;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuStats;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1Info;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.Type1Stats;
import org.kemu.vfiotype1.UserMapMode;
import org.kemu.vfiotype1.iommu.AbstractIommuDomain;
import org.kemu.vfiotype1.type1.Type1Iommu;

/** {@link Type1Container} over {@link Type1Iommu} and {@link Type1Pins}. */
final class DefaultType1Container implements Type1Container {
    private final PinContext ctx;
    private final Type1Iommu iommu;
    private final Type1Pins pins;
    private final Set<MmStruct> mms = new LinkedHashSet<>();
    private final SpinLock mmsLock;
    private final IommuDomainFactory domains;

    DefaultType1Container(PinContext ctx, Padata padata, Type1Params params, IommuDomainFactory domains) {
        this.ctx = ctx;
        this.domains = domains;
        this.iommu = new Type1Iommu(ctx.kernel(), params);
        this.pins = new Type1Pins(ctx, padata, new PinStats());
        iommu.setPinPath(pins);
        iommu.setCosts(ctx.costs());
        this.mmsLock = ctx.kernel().spinlock("type1_container.mms");
    }

    @Override
    public Kernel kernel() {
        return ctx.kernel();
    }

    @Override
    public PinConfig pinConfig() {
        return ctx.config();
    }

    @Override
    public Type1Iommu iommu() {
        return iommu;
    }

    @Override
    public IommuDomain attachDomain(IommuDomainSpec spec) {
        IommuDomain d = domains.allocate(ctx.kernel(), spec);
        iommu.attachDomain(d);
        return d;
    }

    private void noteCurrentMm() {
        MmStruct mm = ctx.kernel().current().attachment(MmStruct.class);
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
    public void mapDma(DmaMapRequest req) {
        noteCurrentMm();
        iommu.mapDma(req);
    }

    @Override
    public void mapDmaPinOutsideMutex(DmaMapRequest req) {
        noteCurrentMm();
        iommu.mapDmaPinOutsideMutex(req);
    }

    @Override
    public void mapDmaFromTasks(DmaMapRequest req, int nTasks, UserMapMode mode) {
        KernelException.require(nTasks >= 1, Errno.EINVAL, "map_dma_from_tasks:n", "need at least one task");
        Kernel k = ctx.kernel();
        Task me = k.current();
        MmStruct mm = me.attachment(MmStruct.class);
        long align = req.size() >= nTasks * MmConstants.PMD_SIZE && req.size() % MmConstants.PMD_SIZE == 0
                ? MmConstants.PMD_SIZE : Math.max(MmConstants.PAGE_SIZE, iommu.minPageSize());
        long per = (req.size() / nTasks + align - 1) / align * align;
        KernelException[] first = new KernelException[1];
        SpinLock errLock = k.spinlock("map_dma_from_tasks.error");
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < nTasks; i++) {
            long off = i * per;
            if (off >= req.size()) {
                break;
            }
            DmaMapRequest slice = DmaMapRequest.of(req.flags(), req.vaddr() + off, req.iova() + off,
                    Math.min(per, req.size() - off));
            Task t = k.spawn(TaskSpec.user(me.name() + "-map" + i, me.tgid()), () -> {
                try {
                    if (mode == UserMapMode.CONTAINER_MUTEX) {
                        mapDma(slice);
                    } else {
                        mapDmaPinOutsideMutex(slice);
                    }
                } catch (KernelException e) {
                    errLock.lock();
                    try {
                        if (first[0] == null) {
                            first[0] = e;
                        }
                    } finally {
                        errLock.unlock();
                    }
                }
            }, child -> child.attach(MmStruct.class, mm));
            tasks.add(t);
        }
        for (Task t : tasks) {
            k.join(t);
        }
        if (first[0] != null) {
            throw first[0];
        }
    }

    @Override
    public long unmapDma(DmaUnmapRequest req) {
        return iommu.unmapDma(req);
    }

    @Override
    public Type1Info getInfo(int argsz) {
        return iommu.getInfo(argsz, argsz);
    }

    @Override
    public Type1Stats stats() {
        PinStats s = pins.stats();
        long mapCalls = 0;
        long unmapCalls = 0;
        long syncs = 0;
        List<Long> written = new ArrayList<>();
        List<LockStats> domainLocks = new ArrayList<>();
        List<IommuDomain> domains = iommu.domains();
        for (IommuDomain d : domains) {
            IommuStats st = d.stats();
            mapCalls += st.mapCalls();
            unmapCalls += st.unmapCalls();
            syncs += st.iotlbSyncs();
            written.add(st.ptesWritten());
            if (d instanceof AbstractIommuDomain a) {
                a.lockStats().ifPresent(domainLocks::add);
            }
        }
        NavigableMap<Long, Long> ptes = domains.isEmpty() ? new TreeMap<>() : new TreeMap<>(domains.get(0).pteCounts());
        List<LockStats> mmap = new ArrayList<>();
        for (MmStruct mm : mms) {
            mmap.add(mm.mmapLock().stats());
        }
        return new Type1Stats(s.runs.get(), s.batchRefills.get(), s.pagesPinned.get(), s.reservedPages.get(),
                s.lockAcctCalls.get(), s.lockCacheRefills.get(), s.lockCacheRefillFailures.get(), s.unpinCalls.get(),
                s.pagesUnpinned.get(), s.padataJobs.get(), s.padataChunks.get(), mapCalls, unmapCalls, syncs, ptes,
                List.copyOf(written), iommu.lock().stats(), List.copyOf(mmap), List.copyOf(domainLocks));
    }

    @Override
    public List<String> checkInvariants() {
        return ContainerInvariants.check(iommu, ctx.pm(), ctx.lockedVm(), List.copyOf(mms));
    }
}
