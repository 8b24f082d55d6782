package org.kemu.padatacore;

/**
 * {@code undo_fn} of a multithreaded job (patch 3): undoes [start, end), a stretch of successfully
 * completed work. It must not fail; padata calls it from the main task only, after every helper
 * has finished (undo is a slow path and is single-threaded).
 */
@FunctionalInterface
public interface UndoFn<A> {
    void undo(long start, long end, A arg);
}
