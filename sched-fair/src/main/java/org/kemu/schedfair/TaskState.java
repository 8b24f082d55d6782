package org.kemu.schedfair;

/** Where a task is in its life. */
public enum TaskState {
    /** Created by kthread_create and not yet woken. */
    NEW,
    /** On a run queue, waiting for a CPU. */
    RUNNABLE,
    /** Current on a CPU (executing kernel code, doing work, or spinning). */
    RUNNING,
    /** Asleep: waiting on a lock, completion, wait queue or timer. */
    BLOCKED,
    /** Returned from its body. */
    DEAD
}
