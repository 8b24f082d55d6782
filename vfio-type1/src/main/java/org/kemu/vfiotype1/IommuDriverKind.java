package org.kemu.vfiotype1;

/** Which driver semantics a domain follows. */
public enum IommuDriverKind {
    /** A paging driver with a multi-level table (VT-d, AMD-Vi, SMMU), shaped by the spec's policies. */
    PAGING,
    /** The iommufd selftest mock domain (docs/kernel/vfio-gup.md section 4.1, the xarray version). */
    MOCK
}
