package org.kemu.vfiotype1;

/**
 * The user-space alternative of the 2022 review: N user tasks each issue MAP_DMA for a slice of
 * the guest at the same time.
 */
public enum UserMapMode {
    /** Type1 as it is: the container mutex is held across pinning, so the ioctls serialise. */
    CONTAINER_MUTEX,
    /** Checks and linking under the mutex, pin and map outside it, publish under it again. */
    PIN_OUTSIDE_MUTEX
}
