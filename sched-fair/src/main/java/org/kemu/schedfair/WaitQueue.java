package org.kemu.schedfair;

import java.util.function.BooleanSupplier;

/** A wait queue: {@code wait_event(wq, condition)} and {@code wake_up}. */
public interface WaitQueue {
    String name();

    /** Sleeps until {@code condition} holds; it is re-evaluated after every wake-up. */
    void waitEvent(BooleanSupplier condition);

    /** Wakes every waiter so that each re-checks its condition. */
    void wakeUp();

    int waiters();
}
