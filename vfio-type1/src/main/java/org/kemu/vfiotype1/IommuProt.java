package org.kemu.vfiotype1;

/**
 * IOMMU protection bits of include/linux/iommu.h ({@code IOMMU_READ} ... {@code IOMMU_PRIV}); READ
 * and WRITE are from the device's point of view.
 */
public record IommuProt(int bits) {
    public static final int READ = 1 << 0;
    public static final int WRITE = 1 << 1;
    public static final int CACHE = 1 << 2;
    public static final int NOEXEC = 1 << 3;
    public static final int MMIO = 1 << 4;
    public static final int PRIV = 1 << 5;

    public static final IommuProt NONE = new IommuProt(0);
    public static final IommuProt RW = new IommuProt(READ | WRITE);
    public static final IommuProt RO = new IommuProt(READ);

    public boolean readable() {
        return (bits & READ) != 0;
    }

    public boolean writable() {
        return (bits & WRITE) != 0;
    }

    /** These bits plus {@code more}; type1 maps with {@code prot | IOMMU_CACHE} (docs/kernel/vfio-gup.md section 1.5). */
    public IommuProt with(int more) {
        return new IommuProt(bits | more);
    }
}
