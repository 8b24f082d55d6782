package org.kemu.vfiotype1;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import org.kemu.vfiotype1.iommu.IommuDomains;
import org.kemu.vfiotype1.pin.DefaultType1Containers;

/**
 * Guice bindings of vfio-type1; override a binding to swap an implementation. Type1 costs default
 * to free; machine profiles override {@link Type1Costs}.
 */
public final class VfioType1Module extends AbstractModule {
    @Override
    protected void configure() {
        bind(IommuDomainFactory.class).to(IommuDomains.class);
    }

    @Provides
    @Singleton
    Type1ContainerFactory containers(IommuDomainFactory domains) {
        return new DefaultType1Containers(domains);
    }

    @Provides
    @Singleton
    Type1Costs type1Costs() {
        return Type1Costs.FREE;
    }
}
