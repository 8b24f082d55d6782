package org.kemu.schedfair;

/**
 * A reader-writer semaphore ({@code struct rw_semaphore}, e.g. the mmap lock). Readers share it; a
 * writer is exclusive; a reader arriving while anyone is queued waits (so a waiting writer blocks
 * later readers); when the lock is released to waiters, a writer at the head gets it alone, while a
 * reader at the head is woken together with every other queued reader (rwsem_mark_wake).
 */
public interface RwSemaphore extends KernelLock {
    void downRead();

    boolean tryDownRead();

    void upRead();

    void downWrite();

    /** down_write_killable: EINTR when a fatal signal is pending. */
    void downWriteKillable();

    boolean tryDownWrite();

    void upWrite();

    /** downgrade_write: the writer becomes a reader and queued readers may join. */
    void downgradeWrite();

    int readers();

    /** {@code rwsem_is_contended}: true while tasks are queued waiting for it. */
    boolean isContended();

    /** Tasks queued on the wait list (readers and writers), as {@code rwsem_is_contended} counts them. */
    int nrWaiters();

    Task writer();

    /** lockdep_assert_held_write. */
    void assertWriteHeld();
}
