package org.kemu.lab.metrics;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.iommu.IommuDomains;

/** The default domain factory that also remembers the domains it made, so a run's mappings can be counted. */
public final class RecordingDomainFactory implements IommuDomainFactory {
    private final List<IommuDomain> domains = new ArrayList<>();

    @Override
    public IommuDomain allocate(Kernel kernel, IommuDomainSpec spec) {
        IommuDomain d = IommuDomains.create(kernel, spec);
        domains.add(d);
        return d;
    }

    public List<IommuDomain> domains() {
        return List.copyOf(domains);
    }
}
