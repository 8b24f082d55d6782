package org.kemu.schedfair;

/** A task's body threw: the run stops, like an oops, and this carries the task and the cause. */
public final class TaskFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String task;

    public TaskFailedException(String task, Throwable cause) {
        super("task '" + task + "' failed: " + cause, cause);
        this.task = task;
    }

    public String task() {
        return task;
    }
}
