package org.kemu.schedfair.internal;

/**
 * What the non-lock wait primitives (completion, wait queue) share: the backend they wait through,
 * the guard of their own state, and their name for deadlock reports.
 */
abstract class WaitObject {
    protected final SchedSeam seam;
    protected final SeamGuard guard;
    protected final String name;

    protected WaitObject(SchedSeam seam, String name) {
        this.seam = seam;
        this.guard = seam.newGuard();
        this.name = name;
    }

    public String name() {
        return name;
    }
}
