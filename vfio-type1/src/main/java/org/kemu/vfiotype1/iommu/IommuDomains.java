package org.kemu.vfiotype1.iommu;

import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.IommuDomainSpec;

/** The default {@link IommuDomainFactory}: a paging driver or the mock, as the spec says. */
public final class IommuDomains implements IommuDomainFactory {
    @Override
    public IommuDomain allocate(Kernel kernel, IommuDomainSpec spec) {
        return create(kernel, spec);
    }

    public static AbstractIommuDomain create(Kernel kernel, IommuDomainSpec spec) {
        return switch (spec.driver()) {
            case PAGING -> new PagingIommuDomain(kernel, spec);
            case MOCK -> new MockIommuDomain(kernel, spec);
        };
    }
}
