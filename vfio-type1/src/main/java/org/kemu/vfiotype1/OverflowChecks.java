package org.kemu.vfiotype1;

/**
 * Which generation of type1's overflow checks to emulate (docs/kernel/vfio-gup.md sections 0 and 1.4/1.7, [S3]).
 */
public enum OverflowChecks {
    /**
     * Up to v6.18: fields that do not fit and wrapping ranges give EINVAL, and MAP_DMA checks
     * {@code size == 0} with the alignment and the wrap after it, under the container mutex.
     */
    LEGACY,
    /**
     * Alex Mastro's fixes (Oct 2025): EOVERFLOW for fields that do not fit and for wrapping ranges,
     * size and wrap checked before the mutex; ranges may end at 2^64 - 1.
     */
    CHECK_OVERFLOW
}
