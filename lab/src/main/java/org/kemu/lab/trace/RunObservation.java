package org.kemu.lab.trace;

import com.google.inject.Module;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.lab.metrics.RecordingDomainFactory;
import org.kemu.lab.metrics.RunMetrics;
import org.kemu.schedfair.TraceEvent;
import org.kemu.vfiotype1.IommuDomainFactory;

/**
 * What the current command wants to see of the runs it boots: a trace file, per-run metrics or both.
 * {@link Lab#boot} asks {@link #current()} and, when a session is open on this thread, attaches to the
 * new kernel; so every command traces without knowing how its runs are made. With no session (the
 * default, and for library users) nothing is attached and the tracer stays off.
 */
public final class RunObservation implements AutoCloseable {
    private static final ThreadLocal<RunObservation> CURRENT = new ThreadLocal<>();

    private final ChromeTraceWriter trace;
    private boolean metrics;
    private Pending running;
    private final Deque<Map<String, Object>> finished = new ArrayDeque<>();

    private record Pending(Lab lab, RunMetrics metrics, RecordingDomainFactory domains) {
    }

    private RunObservation(Path traceFile) {
        this.trace = traceFile == null ? null : ChromeTraceWriter.open(traceFile);
    }

    /** Opens a session on this thread; {@code traceFile} null means no trace. */
    public static RunObservation open(Path traceFile) {
        RunObservation s = new RunObservation(traceFile);
        CURRENT.set(s);
        return s;
    }

    public static Optional<RunObservation> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Collects {@link RunMetrics} for the runs booted from now on (off by default: it costs a trace sink). */
    public static void collectMetrics(boolean on) {
        current().ifPresent(s -> s.metrics = on);
    }

    /**
     * The metrics of the oldest run whose metrics were not taken yet, or empty when none were collected.
     * A command that boots runs one after another takes them in the same order.
     */
    public static Optional<Map<String, Object>> takeMetrics() {
        RunObservation s = CURRENT.get();
        if (s == null) {
            return Optional.empty();
        }
        s.finishRunning();
        return Optional.ofNullable(s.finished.poll());
    }

    /** Bindings a booted kernel needs so that the session can read it after the run. */
    public Module[] overrides(Module[] given) {
        if (!metrics) {
            return given;
        }
        Module[] all = java.util.Arrays.copyOf(given, given.length + 1);
        RecordingDomainFactory domains = new RecordingDomainFactory();
        all[given.length] = b -> b.bind(IommuDomainFactory.class).toInstance(domains);
        pendingDomains = domains;
        return all;
    }

    private RecordingDomainFactory pendingDomains;

    /** Called by {@link Lab#boot} once the kernel exists, before anything runs on it. */
    public void booted(Lab lab) {
        finishRunning();
        Consumer<TraceEvent> sink = null;
        if (trace != null) {
            sink = trace.process(describe(lab.profile().name(), lab.config()));
        }
        if (metrics) {
            RunMetrics m = new RunMetrics();
            running = new Pending(lab, m, pendingDomains);
            sink = sink == null ? m : sink.andThen(m);
        }
        pendingDomains = null;
        if (sink != null) {
            lab.kernel().tracer().setSink(sink);
        }
    }

    /** Called for a kernel booted outside {@link Lab#boot} (a plugin run): traces it if asked. */
    public void booted(org.kemu.schedfair.Kernel kernel, String description) {
        finishRunning();
        if (trace != null) {
            kernel.tracer().setSink(trace.process(description));
        }
    }

    private void finishRunning() {
        if (running != null) {
            finished.add(running.metrics().snapshot(running.lab().kernel(),
                    running.domains() == null ? java.util.List.of() : running.domains().domains()));
            running.lab().kernel().tracer().setSink(null);
            running = null;
        }
    }

    static String describe(String profile, LabConfig c) {
        PinConfig p = c.pin();
        return profile + " " + p.label() + " cache=" + p.lockCachePages() + " seed=" + c.seed();
    }

    @Override
    public void close() {
        CURRENT.remove();
        running = null;
        if (trace != null) {
            trace.close();
        }
    }
}
