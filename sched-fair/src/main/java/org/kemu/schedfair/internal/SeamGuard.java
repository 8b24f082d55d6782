package org.kemu.schedfair.internal;

/**
 * What protects a primitive's own state (its owner and wait list), the way a raw spinlock
 * ({@code wait_lock}) protects a kernel mutex's. The simulated backend needs none, since one baton
 * holder runs at a time ({@link #NONE}); the hosted backend gives each primitive a real lock.
 */
public interface SeamGuard {
    /** The guard of a backend that runs one task at a time. */
    SeamGuard NONE = new SeamGuard() {
        @Override
        public void lock() {
        }

        @Override
        public void unlock() {
        }
    };

    void lock();

    void unlock();
}
