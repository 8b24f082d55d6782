package org.kemu.schedfair;

/**
 * An atomic 64-bit counter ({@code atomic64_t}). A read-modify-write from a CPU other than the last
 * writer's costs the current task a cache-line transfer (a remote one across nodes), which is how
 * contention on shared counters such as {@code mm->locked_vm} shows up in time.
 */
public interface AtomicCounter {
    String name();

    long get();

    void set(long value);

    /** Adds {@code delta} and returns the new value. */
    long addAndGet(long delta);

    /** Compare-and-exchange; returns true on success. */
    boolean compareAndSet(long expect, long update);

    /** Number of RMW operations that had to pull the line from another CPU. */
    long transfers();
}
