package org.kemu.schedfair.internal;

/** An entry of a task's held-lock stack, as lockdep keeps one per task. */
public record HeldLock(String lockClass, String lockName, Object lock, boolean read) {
}
