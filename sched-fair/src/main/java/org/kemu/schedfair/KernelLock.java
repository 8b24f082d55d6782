package org.kemu.schedfair;

/** What every emulated lock offers: a name, statistics and lockdep's {@code lockdep_assert_held}. */
public interface KernelLock {
    String name();

    /** The lockdep class: locks of one class share ordering rules (by default, the name). */
    String lockClass();

    LockStats stats();

    /** Throws {@link IllegalStateException} unless the current task holds this lock. */
    void assertHeld();

    /** True when the current task holds this lock (in any mode). */
    boolean heldByCurrent();
}
