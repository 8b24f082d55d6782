package org.kemu.padatacore;

/**
 * {@code thread_fn} of a multithreaded job: does the work of [start, end) and returns 0 or a
 * negative errno (patch 2 of the 2022 series made it return {@code int}; docs/kernel/padata.md section 3.2).
 * A failing call must first clean up whatever part of its own range it completed: padata undoes
 * only chunks that succeeded (patch 3; the 2018 bug of docs/kernel/padata.md section 5.1).
 */
@FunctionalInterface
public interface ThreadFn<A> {
    int run(long start, long end, A arg);
}
