package org.kemu.lab.metrics;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.IommuDomainSpec;

/** A domain factory that remembers the domains the one it wraps made, so a run's mappings can be counted. */
public final class RecordingDomainFactory implements IommuDomainFactory {
    private final IommuDomainFactory inner;
    private final List<IommuDomain> domains = new ArrayList<>();

    public RecordingDomainFactory(IommuDomainFactory inner) {
        this.inner = inner;
    }

    @Override
    public IommuDomain allocate(Kernel kernel, IommuDomainSpec spec) {
        IommuDomain d = inner.allocate(kernel, spec);
        domains.add(d);
        return d;
    }

    public List<IommuDomain> domains() {
        return List.copyOf(domains);
    }
}
