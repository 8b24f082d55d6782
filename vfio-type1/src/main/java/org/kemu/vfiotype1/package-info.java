/**
 * vfio-type1: IOMMU domains and the VFIO type1 container (MAP_DMA, UNMAP_DMA, GET_INFO) with serial and padata-parallel pinning and fail-nth injection. Built on mm-gup and padata-core.
 */
package org.kemu.vfiotype1;
