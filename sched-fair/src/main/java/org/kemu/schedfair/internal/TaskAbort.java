package org.kemu.schedfair.internal;

/**
 * Unwinds a task's Java stack when its run has ended abnormally (deadlock, another task's failure).
 * It is an Error so that kernel code catching exceptions does not swallow it.
 */
public final class TaskAbort extends Error {
    private static final long serialVersionUID = 1L;

    public TaskAbort() {
        super("run aborted", null, false, false);
    }
}
