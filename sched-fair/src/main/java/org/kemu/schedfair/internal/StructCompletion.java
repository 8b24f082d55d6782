package org.kemu.schedfair.internal;

import java.util.ArrayDeque;
import java.util.List;
import org.kemu.schedfair.Completion;

/**
 * {@code struct completion} (kernel/sched/completion.c): a count of completions and a FIFO of
 * waiters; complete() with a waiter queued hands the completion to it instead of counting it.
 */
public final class StructCompletion extends WaitObject implements Completion {
    /** complete_all's UINT_MAX: every later wait returns at once. */
    private static final long ALL = Long.MAX_VALUE / 2;

    private final ArrayDeque<TaskStruct> waiters = new ArrayDeque<>();
    private long done;

    public StructCompletion(SchedSeam seam, String name) {
        super(seam, name);
    }

    @Override
    public void waitForCompletion() {
        TaskStruct t = seam.self("wait_for_completion", name);
        guard.lock();
        try {
            if (done > 0) {
                if (done < ALL) {
                    done--;
                }
                return;
            }
            waiters.add(t);
            seam.block(t, guard, "completion '" + name + "'", List::of, null);
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void complete() {
        guard.lock();
        try {
            TaskStruct w = waiters.poll();
            if (w != null) {
                seam.wake(w);
            } else if (done < ALL) {
                done++;
            }
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void completeAll() {
        guard.lock();
        try {
            done = ALL;
            TaskStruct w;
            while ((w = waiters.poll()) != null) {
                seam.wake(w);
            }
        } finally {
            guard.unlock();
        }
    }

    @Override
    public boolean done() {
        guard.lock();
        try {
            return done > 0;
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void reinit() {
        guard.lock();
        try {
            done = 0;
        } finally {
            guard.unlock();
        }
    }
}
