package org.kemu.vfiotype1.iommu;

import org.kemu.schedfair.KernelException;

/**
 * The running totals of one core-level map or unmap call: time to charge, bytes done, and the error
 * a driver callback reported (a driver returns an errno to the core instead of unwinding itself).
 */
final class DomainCall {
    long costNs;
    long bytes;
    long leaves;
    KernelException error;

    DomainCall(long callNs) {
        this.costNs = callNs;
    }

    /** A driver wrote {@code leaves} leaves covering {@code bytes}, at {@code ns} of PTE writes. */
    void mapped(long bytes, long leaves, long ns) {
        this.bytes += bytes;
        this.leaves += leaves;
        this.costNs += ns;
    }
}
