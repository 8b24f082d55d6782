package org.kemu.vfiotype1;

/** What a driver's {@code map_pages} does when a leaf it is asked to write is already present. */
public enum OverlapPolicy {
    /**
     * io-pgtable-arm's {@code arm_lpae_init_pte()}: fail with EEXIST; the IOMMU core then unmaps
     * everything the call had mapped. VT-d instead WARNs and keeps the old PTE, which type1 never
     * reaches because its DMA tree refuses overlapping maps first (docs/kernel/vfio-gup.md section 1.4 step 8).
     */
    EEXIST,
    /**
     * The iommufd xarray mock ({@code mock_domain_map_pages}): WARN_ON(old) and overwrite
     * (docs/kernel/vfio-gup.md section 4.1).
     */
    WARN_REPLACE
}
