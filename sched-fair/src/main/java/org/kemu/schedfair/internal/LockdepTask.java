package org.kemu.schedfair.internal;

import java.util.List;

/** What lockdep needs of a task: its name and its stack of held locks. */
public interface LockdepTask {
    String name();

    /** The task's held locks, innermost last. Mutated only by the task itself. */
    List<HeldLock> heldLocks();
}
