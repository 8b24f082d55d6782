package org.kemu.mmgup;

/**
 * FOLL_* flags of GUP (include/linux/mm_types.h, v6.x values for the public ones). FOLL_PIN and
 * FOLL_GET are set by the API family itself; passing FOLL_PIN to a pin_* call is tolerated.
 */
public final class Foll {
    private Foll() {
    }

    public static final int WRITE = 1 << 0;
    public static final int GET = 1 << 1;
    public static final int FORCE = 1 << 3;
    public static final int NOWAIT = 1 << 4;
    /** Do not fault pages in; stop at the first missing page. */
    public static final int NOFAULT = 1 << 5;
    /** The pin lasts indefinitely (DMA): pages are first migrated out of ZONE_MOVABLE. */
    public static final int LONGTERM = 1 << 8;
    public static final int PIN = 1 << 19;

    /** Every flag a caller may pass. */
    public static final int CALLER_MASK = WRITE | GET | FORCE | NOWAIT | NOFAULT | LONGTERM | PIN;

    public static boolean has(int flags, int flag) {
        return (flags & flag) != 0;
    }
}
