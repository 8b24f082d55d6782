package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.kemu.schedfair.WaitQueue;

/** A simulated wait queue: waiters re-check their condition after every wake-up. */
final class SimWaitQueue implements WaitQueue {
    private final SimKernel k;
    private final String name;
    private final List<SimTask> waiters = new ArrayList<>();

    SimWaitQueue(SimKernel k, String name) {
        this.k = k;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void waitEvent(BooleanSupplier condition) {
        if (!k.inTask()) {
            throw new IllegalStateException("wait_event('" + name + "') called outside an emulated task");
        }
        SimTask t = k.self("wait_event");
        while (!condition.getAsBoolean()) {
            waiters.add(t);
            k.block(t, "wait queue '" + name + "'", List::of);
        }
    }

    @Override
    public void wakeUp() {
        List<SimTask> ws = new ArrayList<>(waiters);
        waiters.clear();
        for (SimTask w : ws) {
            k.wake(w);
        }
    }

    @Override
    public int waiters() {
        return waiters.size();
    }
}
