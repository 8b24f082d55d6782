package org.kemu.vfiotype1.type1;

import org.kemu.mmgup.MmGup;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1ContainerFactory;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.iommu.IommuDomains;

/**
 * The default {@link Type1ContainerFactory}: {@code vfio_iommu_type1_open()} with the GUP flavour the
 * pin configuration names, and domains from an {@link IommuDomainFactory} (so overriding that
 * binding swaps the IOMMU driver of every container).
 */
public final class DefaultType1Containers implements Type1ContainerFactory {
    public static final DefaultType1Containers INSTANCE = new DefaultType1Containers(new IommuDomains());

    private final IommuDomainFactory domains;

    public DefaultType1Containers(IommuDomainFactory domains) {
        this.domains = domains;
    }

    @Override
    public Type1Container open(Kernel kernel, MmGup mm, Padata padata, Type1Params params, PinConfig pin,
            Type1Costs costs) {
        if (pin.usesPadata() && padata == null) {
            padata = new DefaultPadataFactory(PadataFeatures.rfc2022(), PadataCosts.FREE).forKernel(kernel);
        }
        return new VfioIommu(kernel, mm.physicalMemory(), mm.addressSpaces(), mm.gup(pin.gup()), mm.lockedVm(), padata,
                params, pin, costs, domains);
    }
}
