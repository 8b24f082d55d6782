package org.kemu.lab.pin;

import java.util.List;
import org.kemu.lab.PinConfig;
import org.kemu.lab.PinPathAdapter;
import org.kemu.lab.PinStats;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.padatacore.PadataFactory;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1ContainerFactory;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.Type1Stats;
import org.kemu.vfiotype1.UserMapMode;

/**
 * The lab's adapter onto vfio-type1's real pin path: each {@link #open} opens a
 * {@link Type1Container} (vfio-type1's facade, through the bound {@link Type1ContainerFactory}) with the vfio pin configuration of the lab's approach
 * ({@link PinConfig#toVfio()}), the profile's {@link Type1Costs} and one IOMMU domain of the bound spec.
 * The user-space approaches issue MAP_DMA from N tasks through {@link Type1Container#mapDmaFromTasks}.
 * GUP is wrapped only to time it for the report's breakdown.
 */
public final class Type1PinPathAdapter implements PinPathAdapter {
    private final Kernel kernel;
    private final MmGup mmGup;
    private final org.kemu.mmgup.Gup boundGup;
    private final PadataFactory padata;
    private final IommuDomainSpec domainSpec;
    private final Type1ContainerFactory containers;
    private final Type1Params params;
    private final Type1Costs costs;

    public Type1PinPathAdapter(Kernel kernel, MmGup mmGup, org.kemu.mmgup.Gup boundGup, PadataFactory padata, IommuDomainSpec domainSpec,
            Type1ContainerFactory containers, Type1Params params, Type1Costs costs) {
        this.containers = containers;
        this.kernel = kernel;
        this.mmGup = mmGup;
        this.boundGup = boundGup;
        this.padata = padata;
        this.domainSpec = domainSpec;
        this.params = params;
        this.costs = costs;
    }

    @Override
    public VfioContainer open(MmStruct mm, PinConfig config) {
        TimedGup gup = new TimedGup(kernel, mmGup.addressSpaces(), boundGup);
        var vfioPin = config.toVfio();
        Type1Container c = containers.open(kernel, mmGup, gup,
                vfioPin.mode() == org.kemu.vfiotype1.PinMode.PADATA ? padata.forKernel(kernel) : null, params, vfioPin,
                costs);
        c.attachDomain(domainSpec);
        return new Container(c, config, gup);
    }

    private final class Container implements VfioContainer {
        private final Type1Container c;
        private final PinConfig config;
        private final TimedGup gup;

        Container(Type1Container c, PinConfig config, TimedGup gup) {
            this.c = c;
            this.config = config;
            this.gup = gup;
        }

        @Override
        public void mapDma(long vaddr, long iova, long size) {
            DmaMapRequest req = DmaMapRequest.rw(vaddr, iova, size);
            switch (config.mode()) {
                case USER_THREADS -> c.mapDmaFromTasks(req, config.threads(), UserMapMode.CONTAINER_MUTEX);
                case USER_THREADS_UNLOCKED -> c.mapDmaFromTasks(req, config.threads(), UserMapMode.PIN_OUTSIDE_MUTEX);
                default -> c.mapDma(req);
            }
        }

        @Override
        public void mapDmaSerial(long vaddr, long iova, long size) {
            // a small region is below padata's min_chunk: the configured pin path runs it in this task
            c.mapDma(DmaMapRequest.rw(vaddr, iova, size));
        }

        @Override
        public void unmapAll() {
            c.unmapDma(DmaUnmapRequest.all());
        }

        @Override
        public PinStats stats() {
            Type1Stats s = c.stats();
            long iommuNs = 0;
            for (IommuDomain d : c.iommu().domains()) {
                iommuNs += d.stats().costNs();
            }
            return new PinStats(gup.gupNs.get(), gup.faultClearNs.get(), s.lockAcctCalls() * costs.lockAcctNs(),
                    iommuNs, 0, s.runs(), s.lockAcctCalls());
        }

        @Override
        public List<String> checkInvariants() {
            return c.checkInvariants();
        }
    }
}
