package org.kemu.vfiotype1.type1;

/**
 * Patch 8's per-thread locked_vm cache: pages already charged to {@code dma->mm} (and to
 * {@code dma->locked_vm}) that runs draw from instead of charging under the mmap write lock. One per
 * chunk (per thread); the leftover is returned at the end of the chunk ({@link VfioLockAcct}).
 */
final class LockCache {
    final long capacity;
    long pages;

    LockCache(long capacity) {
        this.capacity = capacity;
    }

    boolean enabled() {
        return capacity > 0;
    }

    /** Takes up to {@code want} pages; returns how many were taken. */
    long draw(long want) {
        long take = Math.min(pages, want);
        pages -= take;
        return take;
    }
}
