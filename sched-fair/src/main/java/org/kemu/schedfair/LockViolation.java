package org.kemu.schedfair;

import java.util.List;

/**
 * A locking rule broken during a run, as lockdep would report it.
 *
 * @param kind what was broken
 * @param locks the lock classes involved, in the order of the offending chain
 * @param tasks the tasks whose acquisitions made the chain
 * @param message a readable account naming the tasks and locks
 */
public record LockViolation(Kind kind, List<String> locks, List<String> tasks, String message) {
    public enum Kind {
        /** Two classes taken in both orders (ABBA), possibly through longer chains. */
        LOCK_ORDER_INVERSION,
        /** A lock taken again by the task already holding it, or a second lock of a class it holds, unannotated. */
        RECURSIVE_LOCK,
        /** A lock released by a task that does not hold it. */
        BAD_UNLOCK,
        /**
         * A task waits for others (e.g. padata's main thread for its helpers) while holding a lock
         * that one of them takes.
         */
        WAIT_WHILE_HOLDING
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
