package org.kemu.lab.pin;

import java.util.ArrayList;
import java.util.List;
import org.kemu.lab.PinConfig;
import org.kemu.lab.PinMode;
import org.kemu.lab.PinPathAdapter;
import org.kemu.lab.PinStats;
import org.kemu.lab.VfioPinCosts;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.Mm;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.padatacore.PadataFactory;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.type1.IommuInvariants;
import org.kemu.vfiotype1.type1.Type1Iommu;
import org.kemu.vfiotype1.type1.Type1PinPath;
import org.kemu.vfiotype1.type1.VfioDma;

/**
 * The lab's adapter onto vfio-type1: a {@link Type1Iommu} container with one domain, whose pin path
 * is this package's stand-in ({@link SerialPinPath}, {@link PadataPinPath}).
 *
 * <p>LEAD: when vfio-type1's pin path (PinMode, Type1Costs, the facade that opens a container with
 * a pin config) is merged, {@link #open} becomes a call of that facade and this package's
 * SerialPinPath, PadataPinPath, RangePinner and LockAccounting go away; {@link VfioPinCosts} maps onto
 * Type1Costs.
 */
public final class Type1PinPathAdapter implements PinPathAdapter {
    private final Kernel kernel;
    private final Mm mmOps;
    private final Gup gup;
    private final LockedVm lockedVm;
    private final PhysicalMemory pm;
    private final PadataFactory padata;
    private final IommuDomainFactory domains;
    private final IommuDomainSpec domainSpec;
    private final VfioPinCosts costs;

    public Type1PinPathAdapter(Kernel kernel, Mm mmOps, Gup gup, LockedVm lockedVm, PhysicalMemory pm,
            PadataFactory padata, IommuDomainFactory domains,
            IommuDomainSpec domainSpec, VfioPinCosts costs) {
        this.kernel = kernel;
        this.mmOps = mmOps;
        this.gup = gup;
        this.lockedVm = lockedVm;
        this.pm = pm;
        this.padata = padata;
        this.domains = domains;
        this.domainSpec = domainSpec;
        this.costs = costs;
    }

    @Override
    public VfioContainer open(MmStruct mm, PinConfig config) {
        Type1Iommu iommu = new Type1Iommu(kernel, Type1Params.defaults());
        iommu.attachDomain(domains.allocate(kernel, domainSpec));
        PinCounters counters = new PinCounters();
        LockAccounting acct = new LockAccounting(kernel, lockedVm, mm, costs, counters);
        RangePinner pinner = new RangePinner(kernel, mmOps, gup, mm, costs, counters,
                config.mode().folioBatched());
        SerialPinPath serial = new SerialPinPath(pinner, acct, gup, false);
        var configured = switch (config.mode()) {
            case SERIAL, FOLIO_SERIAL, USER_THREADS -> serial;
            case USER_THREADS_UNLOCKED -> new SerialPinPath(pinner, acct, gup, true);
            case PADATA, FOLIO_PADATA -> new PadataPinPath(kernel, padata.forKernel(kernel), pinner, acct,
                    gup, config.threads(), config.lockCachePages());
        };
        iommu.setPinPath(configured);
        return new Container(iommu, mm, config, counters, serial, configured);
    }

    private final class Container implements VfioContainer {
        private final Type1Iommu iommu;
        private final MmStruct mm;
        private final PinConfig config;
        private final PinCounters counters;
        private final SerialPinPath serial;
        private final Type1PinPath configured;

        Container(Type1Iommu iommu, MmStruct mm, PinConfig config, PinCounters counters, SerialPinPath serial,
                Type1PinPath configured) {
            this.iommu = iommu;
            this.mm = mm;
            this.config = config;
            this.counters = counters;
            this.serial = serial;
            this.configured = configured;
        }

        @Override
        public void mapDma(long vaddr, long iova, long size) {
            if (config.mode() != PinMode.USER_THREADS && config.mode() != PinMode.USER_THREADS_UNLOCKED) {
                iommu.mapDma(DmaMapRequest.rw(vaddr, iova, size));
                return;
            }
            // qemu would split the region itself: N threads, each one MAP_DMA of a PMD-aligned slice.
            int n = config.threads();
            long pmd = 2L << 20;
            long per = (size / n + pmd - 1) / pmd * pmd;
            List<Task> tasks = new ArrayList<>();
            long tgid = kernel.current().tgid();
            for (int i = 0; i < n && (long) i * per < size; i++) {
                long off = (long) i * per;
                long len = Math.min(per, size - off);
                Task t = kernel.spawn(TaskSpec.user("qemu-map#" + i, tgid),
                        () -> iommu.mapDma(DmaMapRequest.rw(vaddr + off, iova + off, len)));
                t.attach(MmStruct.class, mm);
                tasks.add(t);
            }
            for (Task t : tasks) {
                kernel.join(t);
            }
        }

        @Override
        public void mapDmaSerial(long vaddr, long iova, long size) {
            iommu.setPinPath(serial);
            try {
                iommu.mapDma(DmaMapRequest.rw(vaddr, iova, size));
            } finally {
                iommu.setPinPath(configured);
            }
        }

        @Override
        public void unmapAll() {
            List<VfioDma> all = new ArrayList<>();
            for (VfioDma d : iommu.dmas()) {
                all.add(d);
            }
            for (VfioDma d : all) {
                iommu.unmapDma(DmaUnmapRequest.range(d.iova(), d.size()));
            }
        }

        @Override
        public PinStats stats() {
            return counters.snapshot(0);
        }

        @Override
        public List<String> checkInvariants() {
            List<String> v = new ArrayList<>(IommuInvariants.check(iommu));
            v.addAll(MmInvariants.checkPinsBalanced(pm));
            long charged = 0;
            for (VfioDma d : iommu.dmas()) {
                charged += d.lockedVm();
            }
            v.addAll(MmInvariants.checkLockedVm(lockedVm, mm, charged));
            return v;
        }
    }
}
