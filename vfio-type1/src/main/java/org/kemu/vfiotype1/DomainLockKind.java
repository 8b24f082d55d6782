package org.kemu.vfiotype1;

/**
 * How a driver serialises updates of one domain's page table. Drivers differ: io-pgtable-arm
 * updates with cmpxchg and takes no lock, AMD's v1 table takes a per-domain spinlock, others a mutex.
 */
public enum DomainLockKind {
    NONE, SPINLOCK, MUTEX
}
