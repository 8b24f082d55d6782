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
        return new DeadlockException(blocked);
    }
}
