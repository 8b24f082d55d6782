package org.kemu.vfiotype1.pin;

import org.kemu.mmgup.Gup;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MmGup;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.PinMode;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1ContainerFactory;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.iommu.IommuDomains;

/**
 * The default {@link Type1ContainerFactory}: a {@link org.kemu.vfiotype1.type1.Type1Iommu} with
 * {@link Type1Pins}, whose domains come from an {@link IommuDomainFactory} (so overriding that
 * binding swaps the IOMMU driver of every container).
 */
public final class DefaultType1Containers implements Type1ContainerFactory {
    public static final DefaultType1Containers INSTANCE = new DefaultType1Containers(new IommuDomains());

    private final IommuDomainFactory domains;

    public DefaultType1Containers(IommuDomainFactory domains) {
        this.domains = domains;
    }

    @Override
    public Type1Container open(Kernel kernel, MmGup mm, Gup gup, Padata padata, Type1Params params, PinConfig pin,
            Type1Costs costs) {
        if (gup == null) {
            gup = mm.gup(pin.gupImpl() != null ? pin.gupImpl()
                : pin.folioBatchedRuns() ? GupFlavour.FOLIO_BATCHED : GupFlavour.PER_PAGE);
        }
        if (pin.mode() == PinMode.PADATA && padata == null) {
            padata = new DefaultPadataFactory(PadataFeatures.rfc2022(), PadataCosts.FREE).forKernel(kernel);
        }
        PinContext ctx = new PinContext(kernel, mm.physicalMemory(), mm.addressSpaces(), gup, mm.lockedVm(), pin, costs,
                params.disableHugepages());
        return new DefaultType1Container(ctx, padata, params, domains);
    }
}
