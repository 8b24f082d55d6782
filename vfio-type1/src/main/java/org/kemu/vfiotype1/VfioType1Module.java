package org.kemu.vfiotype1;

import com.google.inject.AbstractModule;
import org.kemu.vfiotype1.iommu.IommuDomains;

/** Guice bindings of vfio-type1; override a binding to swap an implementation. */
public final class VfioType1Module extends AbstractModule {
    @Override
    protected void configure() {
        bind(IommuDomainFactory.class).to(IommuDomains.class);
    }
}
