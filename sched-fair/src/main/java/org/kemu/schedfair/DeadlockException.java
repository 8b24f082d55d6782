package org.kemu.schedfair;

import java.util.List;

/**
 * The run stopped because no task could make progress: every live task is blocked (or spinning)
 * and no timer is pending. The message names every blocked task, what it waits for and who holds it.
 */
public final class DeadlockException extends KernelException {
    private static final long serialVersionUID = 1L;

    private final transient List<BlockedTask> blocked;

    public DeadlockException(List<BlockedTask> blocked) {
        super(Errno.EDEADLK, "deadlock", describe(blocked));
        this.blocked = List.copyOf(blocked);
    }

    public List<BlockedTask> blocked() {
        return blocked;
    }

    private static String describe(List<BlockedTask> blocked) {
        StringBuilder sb = new StringBuilder("no task can run and no timer is pending; ");
        sb.append(blocked.size()).append(" blocked:");
        for (BlockedTask b : blocked) {
            sb.append("\n  ").append(b);
        }
        return sb.toString();
    }

    /** One blocked task: its name, what it waits on and the tasks holding that. */
    public record BlockedTask(String task, String waitsOn, List<String> heldBy) {
        @Override
        public String toString() {
            // a spinlock waiter burns its CPU: say so, it is the case a hosted watchdog must not miss
            String verb = waitsOn.startsWith("spinlock") ? " spins on " : " waits on ";
            return "task '" + task + "'" + verb + waitsOn
                    + (heldBy.isEmpty() ? " (no holder)" : " held by " + heldBy);
        }
    }
}
