package org.kemu.vfiotype1;

import org.kemu.schedfair.Kernel;

/** {@code iommu_paging_domain_alloc()}: makes a domain of the spec's driver on a kernel. */
public interface IommuDomainFactory {
    IommuDomain allocate(Kernel kernel, IommuDomainSpec spec);
}
