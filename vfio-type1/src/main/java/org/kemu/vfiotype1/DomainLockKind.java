package org.kemu.vfiotype1;

/**
 * How a driver serialises updates of one domain's page table. Drivers differ: io-pgtable-arm and
 * 5.14's VT-d ({@code pfn_to_dma_pte}) install entries with cmpxchg and take no lock; AMD's v1 table
 * takes its per-domain spinlock only to grow the table or flush replaced entries
 * ({@code increase_address_space}, {@code iommu_v1_map_page}), so a fresh map takes none either; the
 * iommufd mock takes a spinlock, other drivers a mutex.
 */
public enum DomainLockKind {
    NONE, SPINLOCK, MUTEX
}
