package org.kemu.schedfair;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The kernel's trace stream. Off by default: {@link #enabled()} is false and every call returns at
 * once, so emulated code may call it freely; a library user or the CLI turns it on with a sink.
 */
public final class Tracer {
    private final Kernel kernel;
    private volatile Consumer<TraceEvent> sink;

    public Tracer(Kernel kernel) {
        this.kernel = kernel;
    }

    /** Sends every event of the run to {@code sink} (null turns tracing off). */
    public void setSink(Consumer<TraceEvent> sink) {
        this.sink = sink;
    }

    public boolean enabled() {
        return sink != null;
    }

    public void emit(TraceEvent e) {
        Consumer<TraceEvent> s = sink;
        if (s != null) {
            s.accept(e);
        }
    }

    /** A span of the current task's work from {@code start} to now. */
    public void span(String category, String name, long start, Map<String, Object> args) {
        Consumer<TraceEvent> s = sink;
        if (s == null || !kernel.inTask()) {
            return;
        }
        Task t = kernel.current();
        s.accept(new TraceEvent.Span(category, name, t.id(), t.name(), start, kernel.now(), args));
    }

    /** A counter sample at the current time. */
    public void counter(String name, double value) {
        Consumer<TraceEvent> s = sink;
        if (s != null) {
            s.accept(new TraceEvent.Counter(name, kernel.now(), value));
        }
    }
}
