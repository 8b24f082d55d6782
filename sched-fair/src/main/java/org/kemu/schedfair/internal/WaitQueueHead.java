package org.kemu.schedfair.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.kemu.schedfair.WaitQueue;

/**
 * {@code wait_queue_head_t} with wait_event/wake_up_all: a waiter re-checks its condition after
 * every wake-up. The condition is checked and the waiter queued under the guard that wakeUp takes,
 * so a wake-up between the check and the sleep cannot be lost.
 */
public final class WaitQueueHead extends WaitObject implements WaitQueue {
    private final List<TaskStruct> waiters = new ArrayList<>();

    public WaitQueueHead(SchedSeam seam, String name) {
        super(seam, name);
    }

    @Override
    public void waitEvent(BooleanSupplier condition) {
        TaskStruct t = seam.self("wait_event", name);
        guard.lock();
        try {
            while (!condition.getAsBoolean()) {
                waiters.add(t);
                seam.block(t, guard, "wait queue '" + name + "'", List::of, null);
            }
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void wakeUp() {
        guard.lock();
        try {
            List<TaskStruct> ws = new ArrayList<>(waiters);
            waiters.clear();
            for (TaskStruct w : ws) {
                seam.wake(w);
            }
        } finally {
            guard.unlock();
        }
    }

    @Override
    public int waiters() {
        guard.lock();
        try {
            return waiters.size();
        } finally {
            guard.unlock();
        }
    }
}
