package org.kemu.lab.trace;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
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
 * What one CLI command wants to see of the runs it boots: a trace file, per-run metrics or both. The
 * command passes it to every {@link Lab#boot} as the {@link RunObserver}; each booted kernel is
 * attached to the trace (one process per run) and, with metrics on, measured until the next boot or
 * {@link #takeMetrics}.
 */
public final class RunObservation implements RunObserver, AutoCloseable {
    private final ChromeTraceWriter trace;
    private boolean metrics;
    private RecordingDomainFactory pendingDomains;
    private Pending running;
    private final Deque<Map<String, Object>> finished = new ArrayDeque<>();

    private record Pending(Lab lab, RunMetrics metrics, RecordingDomainFactory domains) {
    }

    private RunObservation(Path traceFile) {
        this.trace = traceFile == null ? null : ChromeTraceWriter.open(traceFile);
    }

    /** A session writing the trace to {@code traceFile} (null: no trace). */
    public static RunObservation open(Path traceFile) {
        return new RunObservation(traceFile);
    }

    /** True when the runs go to a trace file (one at a time: the file is one document). */
    public boolean tracing() {
        return trace != null;
    }

    /** Collects {@link RunMetrics} for the runs booted from now on (off by default: it costs a trace sink). */
    public RunObservation collectMetrics(boolean on) {
        metrics = on;
        return this;
    }

    /**
     * The metrics of the oldest run whose metrics were not taken yet, or empty when none were collected.
     * A command that boots runs one after another takes them in the same order.
     */
    public Optional<Map<String, Object>> takeMetrics() {
        finishRunning();
        return Optional.ofNullable(finished.poll());
    }

    @Override
    public IommuDomainFactory watch(IommuDomainFactory bound) {
        if (!metrics) {
            return bound;
        }
        pendingDomains = new RecordingDomainFactory(bound);
        return pendingDomains;
    }

    @Override
    public void booted(Lab lab) {
        booted(lab, describe(lab.profile().name(), lab.config()));
    }

    /** This session, naming the runs it sees {@code description} in the trace (a plugin run, say). */
    public RunObserver describing(String description) {
        RunObservation self = this;
        return new RunObserver() {
            @Override
            public IommuDomainFactory watch(IommuDomainFactory bound) {
                return self.watch(bound);
            }

            @Override
            public void booted(Lab lab) {
                self.booted(lab, description);
            }
        };
    }

    private void booted(Lab lab, String description) {
        finishRunning();
        Consumer<TraceEvent> sink = null;
        if (trace != null) {
            sink = trace.process(description);
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

    private void finishRunning() {
        if (running != null) {
            finished.add(running.metrics().snapshot(running.lab().kernel(),
                    running.domains() == null ? List.of() : running.domains().domains()));
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
        running = null;
        if (trace != null) {
            trace.close();
        }
    }
}
