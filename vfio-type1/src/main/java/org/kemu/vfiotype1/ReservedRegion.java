package org.kemu.vfiotype1;

import java.util.Objects;

/**
 * A reserved IOVA region of a group ({@code struct iommu_resv_region}); type1 carves every one but
 * {@link Type#DIRECT_RELAXABLE} out of the valid IOVA list at attach (docs/kernel/vfio-gup.md section 1.11).
 */
public record ReservedRegion(IovaRange range, Type type) {
    public ReservedRegion {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(type, "type");
    }

    /** {@code enum iommu_resv_type}. */
    public enum Type {
        DIRECT, DIRECT_RELAXABLE, RESERVED, MSI, SW_MSI
    }

    /** The x86 interrupt window 0xFEE00000..0xFEEFFFFF (IOAPIC_RANGE_START/END, [S27]). */
    public static ReservedRegion x86Msi() {
        return new ReservedRegion(new IovaRange(0xFEE0_0000L, 0xFEEF_FFFFL), Type.MSI);
    }
}
