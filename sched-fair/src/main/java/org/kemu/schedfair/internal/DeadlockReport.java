package org.kemu.schedfair.internal;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.DeadlockException;
import org.kemu.schedfair.TaskState;

/** The deadlock report both backends give: every live task, what it waits on and who holds that. */
public final class DeadlockReport {
    private DeadlockReport() {
    }

    public static DeadlockException of(List<TaskStruct> tasks) {
        return new DeadlockException(liveTasks(tasks));
    }

    /**
     * Every live task: what it waits or spins on and who holds that, or its state when it waits for
     * nothing (running, runnable). Also the body of a time limit's report.
     */
    public static List<DeadlockException.BlockedTask> liveTasks(List<TaskStruct> tasks) {
        List<DeadlockException.BlockedTask> blocked = new ArrayList<>();
        for (TaskStruct t : tasks) {
            if (!t.woken || t.state == TaskState.DEAD) {
                continue;
            }
            String on = t.waitsOn;
            List<String> holders = t.waitHoldersNow();
            blocked.add(new DeadlockException.BlockedTask(t.toString(),
                    on != null ? on : t.state.toString().toLowerCase(), holders));
        }
        return blocked;
    }

    /**
     * Every live task, one per line (each line starts with a new line): what it waits or spins on
     * and who holds that, or its state when it waits for nothing.
     */
    public static String describe(List<TaskStruct> tasks) {
        StringBuilder sb = new StringBuilder();
        for (TaskStruct t : tasks) {
            if (!t.woken || t.state == TaskState.DEAD) {
                continue;
            }
            String on = t.waitsOn;
            sb.append("\n  ");
            if (on == null) {
                sb.append("task '").append(t).append("' is ").append(t.state.toString().toLowerCase());
            } else {
                sb.append(new DeadlockException.BlockedTask(t.toString(), on, t.waitHoldersNow()));
            }
        }
        return sb.toString();
    }
}
