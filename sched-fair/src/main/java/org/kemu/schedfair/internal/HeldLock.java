package org.kemu.schedfair.internal;

/**
 * An entry of a task's held-lock stack, as lockdep keeps one per task. {@code classIndex} is the
 * lock class's index in lockdep's class table, as the kernel's struct held_lock keeps class_idx, so
 * the dependency check compares and packs small ints instead of looking class names up.
 */
public record HeldLock(String lockClass, int classIndex, String lockName, Object lock, boolean read) {
}
