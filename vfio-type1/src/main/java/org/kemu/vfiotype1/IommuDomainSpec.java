package org.kemu.vfiotype1;

import java.util.List;
import java.util.Objects;
import org.kemu.schedfair.Errno;

/**
 * Everything that makes one IOMMU domain behave like a particular driver.
 *
 * @param name domain name (lock and statistics names derive from it)
 * @param driver paging-driver or iommufd-mock semantics
 * @param pgsizeBitmap supported leaf sizes ({@code domain->pgsize_bitmap})
 * @param aperture {@code domain->geometry} aperture; type1 narrows its valid IOVA list to it
 * @param reservedRegions the attached group's reserved regions (MSI window ...)
 * @param lock the per-domain page-table lock the driver takes around one map or unmap
 * @param partialUnmap what an unmap covering part of a large leaf does
 * @param overlap what a map onto present leaves does
 * @param apertureErrno the errno {@code map_pages} gives for an IOVA beyond the address width, or
 *     null when the driver does not check (VT-d: EFAULT in intel_iommu_map(); io-pgtable-arm: ERANGE)
 * @param enforceCacheCoherency {@code enforce_cache_coherency} (type1 reports DMA_CC_IOMMU from it)
 * @param costs time charged per call, per leaf and per IOTLB flush
 * @param maxAddrLine the driver keeps VT-d's {@code dmar_domain->max_addr}: every
 *     {@code intel_iommu_map()} call reads it and a map past it raises it, a cache line shared by
 *     every CPU that maps into the domain ({@link org.kemu.vfiotype1.iommu.DmarMaxAddr})
 */
public record IommuDomainSpec(String name, IommuDriverKind driver, long pgsizeBitmap, IovaRange aperture,
        List<ReservedRegion> reservedRegions, DomainLockKind lock, PartialUnmap partialUnmap,
        OverlapPolicy overlap, Errno apertureErrno, boolean enforceCacheCoherency, IommuCosts costs,
        boolean maxAddrLine) {

    /** {@code MOCK_APERTURE_START} (docs/kernel/vfio-gup.md section 4.1). */
    public static final long MOCK_APERTURE_START = 1L << 24;
    /** {@code MOCK_APERTURE_LAST}. */
    public static final long MOCK_APERTURE_LAST = (1L << 31) - 1;
    /** {@code MOCK_PAGE_SIZE} = PAGE_SIZE / 2, deliberately below the CPU page size. */
    public static final long MOCK_PAGE_SIZE = PageSizes.PAGE_SIZE / 2;
    /** {@code MOCK_HUGE_PAGE_SIZE} = 512 * MOCK_PAGE_SIZE = 1 MiB. */
    public static final long MOCK_HUGE_PAGE_SIZE = 512 * MOCK_PAGE_SIZE;

    public IommuDomainSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(aperture, "aperture");
        reservedRegions = List.copyOf(reservedRegions);
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(partialUnmap, "partialUnmap");
        Objects.requireNonNull(overlap, "overlap");
        Objects.requireNonNull(costs, "costs");
        if (pgsizeBitmap == 0) {
            throw new IllegalArgumentException("a paging domain needs at least one page size");
        }
    }

    /**
     * A VT-d-like domain: 4K|2M|1G, 48-bit aperture, the x86 MSI window reserved, whole-leaf partial
     * unmaps, EFAULT beyond the address width (docs/kernel/vfio-gup.md section 5, [S27]), and the
     * shared {@code dmar_domain->max_addr}.
     */
    public static IommuDomainSpec vtd(String name) {
        return new IommuDomainSpec(name, IommuDriverKind.PAGING, PageSizes.X86_BITMAP,
                new IovaRange(0, (1L << 48) - 1), List.of(ReservedRegion.x86Msi()), DomainLockKind.NONE,
                PartialUnmap.WHOLE_LEAF, OverlapPolicy.EEXIST, Errno.EFAULT, true, IommuCosts.FREE, true);
    }

    /** The iommufd mock domain: 2 KiB pages, aperture 16 MiB .. 2 GiB - 1, no reserved regions. */
    public static IommuDomainSpec mock(String name) {
        return new IommuDomainSpec(name, IommuDriverKind.MOCK, MOCK_PAGE_SIZE,
                new IovaRange(MOCK_APERTURE_START, MOCK_APERTURE_LAST), List.of(), DomainLockKind.SPINLOCK,
                PartialUnmap.REFUSE, OverlapPolicy.WARN_REPLACE, null, true, IommuCosts.FREE, false);
    }

    /** The mock with {@code MOCK_DOMAIN_HUGE_PAGES}: 2 KiB and 1 MiB pages. */
    public static IommuDomainSpec mockHuge(String name) {
        return mock(name).withPgsizeBitmap(MOCK_PAGE_SIZE | MOCK_HUGE_PAGE_SIZE);
    }

    public long minPageSize() {
        return PageSizes.minPageSize(pgsizeBitmap);
    }

    public IommuDomainSpec withName(String n) {
        return new IommuDomainSpec(n, driver, pgsizeBitmap, aperture, reservedRegions, lock, partialUnmap,
                overlap, apertureErrno, enforceCacheCoherency, costs, maxAddrLine);
    }

    public IommuDomainSpec withPgsizeBitmap(long b) {
        return new IommuDomainSpec(name, driver, b, aperture, reservedRegions, lock, partialUnmap, overlap,
                apertureErrno, enforceCacheCoherency, costs, maxAddrLine);
    }

    public IommuDomainSpec withAperture(IovaRange a) {
        return new IommuDomainSpec(name, driver, pgsizeBitmap, a, reservedRegions, lock, partialUnmap, overlap,
                apertureErrno, enforceCacheCoherency, costs, maxAddrLine);
    }

    public IommuDomainSpec withReservedRegions(List<ReservedRegion> r) {
        return new IommuDomainSpec(name, driver, pgsizeBitmap, aperture, r, lock, partialUnmap, overlap,
                apertureErrno, enforceCacheCoherency, costs, maxAddrLine);
    }

    public IommuDomainSpec withLock(DomainLockKind l) {
        return new IommuDomainSpec(name, driver, pgsizeBitmap, aperture, reservedRegions, l, partialUnmap,
                overlap, apertureErrno, enforceCacheCoherency, costs, maxAddrLine);
    }

    public IommuDomainSpec withPartialUnmap(PartialUnmap p) {
        return new IommuDomainSpec(name, driver, pgsizeBitmap, aperture, reservedRegions, lock, p, overlap,
                apertureErrno, enforceCacheCoherency, costs, maxAddrLine);
    }

    /** The same domain with or without VT-d's shared {@code max_addr} (an AMD-Vi v1 table keeps none). */
    public IommuDomainSpec withMaxAddrLine(boolean m) {
        return new IommuDomainSpec(name, driver, pgsizeBitmap, aperture, reservedRegions, lock, partialUnmap,
                overlap, apertureErrno, enforceCacheCoherency, costs, m);
    }

    public IommuDomainSpec withCosts(IommuCosts c) {
        return new IommuDomainSpec(name, driver, pgsizeBitmap, aperture, reservedRegions, lock, partialUnmap,
                overlap, apertureErrno, enforceCacheCoherency, c, maxAddrLine);
    }
}
