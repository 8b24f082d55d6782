package org.kemu.schedfair;

/** {@code struct completion}: complete() releases one waiter (or is remembered), completeAll() all. */
public interface Completion {
    String name();

    /** Must be called from a task; waiting from outside one is an error. */
    void waitForCompletion();

    void complete();

    void completeAll();

    /** {@code completion_done()}: true when a wait would not block. */
    boolean done();

    /** {@code reinit_completion()}. */
    void reinit();
}
