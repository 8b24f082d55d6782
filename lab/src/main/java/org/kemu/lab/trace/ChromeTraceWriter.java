package org.kemu.lab.trace;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.kemu.schedfair.TraceEvent;

/**
 * Writes a kernel's {@link TraceEvent} stream as Chrome trace-event JSON (the "JSON Object Format"
 * that Perfetto's UI and {@code chrome://tracing} open), streaming with Jackson so a long run is never
 * held in memory.
 *
 * <p>Each run is one process ({@code pid}); inside it, one thread track per CPU ({@code tid} = CPU id)
 * carries the task that ran in each slice, one track per task carries its states (runnable, blocked
 * on a lock, spinning), its lock waits and its padata chunks, and one track per cgroup and CPU carries
 * throttled periods. Counters (locked_vm, memory bandwidth per node) are {@code "C"} events. Times
 * are virtual: {@code ts}/{@code dur} are microseconds written as exact decimals of the ns values.
 *
 * <pre>{@code
 * try (ChromeTraceWriter w = ChromeTraceWriter.open(Path.of("run.json"))) {
 *     kernel.tracer().setSink(w.process("my run"));
 *     kernel.run();
 * }
 * }</pre>
 */
public final class ChromeTraceWriter implements AutoCloseable {
    /** Task tracks start here so that they never share a tid with a CPU track. */
    static final long TASK_TID_BASE = 100_000;
    /** Throttling tracks start here. */
    static final long THROTTLE_TID_BASE = 1_000_000_000L;

    private final JsonGenerator gen;
    private int nextPid = 1;
    private int pid;
    private final Set<Long> namedTids = new HashSet<>();
    private final Map<String, Long> throttleTids = new HashMap<>();

    private ChromeTraceWriter(OutputStream out) throws IOException {
        gen = new JsonFactory().createGenerator(out, JsonEncoding.UTF8);
        gen.writeStartObject();
        gen.writeStringField("displayTimeUnit", "ns");
        gen.writeObjectFieldStart("otherData");
        gen.writeStringField("generator", "kemu");
        gen.writeStringField("clock", "virtual (simulated kernel time)");
        gen.writeEndObject();
        gen.writeArrayFieldStart("traceEvents");
    }

    /** A writer into {@code file} (created or truncated). */
    public static ChromeTraceWriter open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new ChromeTraceWriter(Files.newOutputStream(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace " + file, e);
        }
    }

    /** A writer into {@code out}, which {@link #close()} closes. */
    public static ChromeTraceWriter to(OutputStream out) {
        try {
            return new ChromeTraceWriter(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a new process in the trace, labelled {@code name}, and returns the sink for its kernel's
     * events ({@code kernel.tracer().setSink(...)}). Events of earlier processes must have ended.
     */
    public synchronized Consumer<TraceEvent> process(String name) {
        pid = nextPid++;
        namedTids.clear();
        throttleTids.clear();
        try {
            metadata("process_name", pid, null, name);
            metadata("process_sort_index", pid, null, pid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int mine = pid;
        return e -> write(mine, e);
    }

    private synchronized void write(int forPid, TraceEvent e) {
        if (forPid != pid) {
            throw new IllegalStateException("trace event of a finished process");
        }
        try {
            switch (e) {
                case TraceEvent.CpuSlice s -> {
                    long tid = s.cpu();
                    name(tid, "CPU " + s.cpu(), s.cpu());
                    complete(s.task(), "cpu", tid, s.start(), s.end(), Map.of("task_id", s.taskId()));
                }
                case TraceEvent.TaskStateSpan s -> {
                    long tid = taskTrack(s.taskId(), s.task());
                    String label = s.reason() == null ? s.state() : s.state() + ": " + s.reason();
                    complete(label, "state", tid, s.start(), s.end(),
                            s.reason() == null ? Map.of("state", s.state()) : Map.of("state", s.state(), "on", s.reason()));
                }
                case TraceEvent.LockWait w -> complete("wait " + w.lock(), "lock", taskTrack(w.taskId(), w.task()),
                        w.start(), w.end(), Map.of("lock", w.lock(), "kind", w.kind()));
                case TraceEvent.Throttled t -> {
                    String key = t.cgroup() + "@" + t.cpu();
                    Long tid = throttleTids.get(key);
                    if (tid == null) {
                        tid = THROTTLE_TID_BASE + throttleTids.size();
                        throttleTids.put(key, tid);
                        name(tid, "throttled " + t.cgroup() + " cpu" + t.cpu(), tid);
                    }
                    complete("throttled", "cgroup", tid, t.start(), t.end(), Map.of("cgroup", t.cgroup(), "cpu", t.cpu()));
                }
                case TraceEvent.Span s -> complete(s.name(), s.category(), taskTrack(s.taskId(), s.task()), s.start(),
                        s.end(), s.args());
                case TraceEvent.Counter c -> {
                    gen.writeStartObject();
                    gen.writeStringField("name", c.name());
                    gen.writeStringField("ph", "C");
                    gen.writeFieldName("ts");
                    gen.writeNumber(micros(c.at()));
                    gen.writeNumberField("pid", pid);
                    gen.writeObjectFieldStart("args");
                    gen.writeNumberField("value", c.value());
                    gen.writeEndObject();
                    gen.writeEndObject();
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private long taskTrack(long taskId, String task) throws IOException {
        long tid = TASK_TID_BASE + taskId;
        name(tid, task + " (" + taskId + ")", tid);
        return tid;
    }

    private void name(long tid, String name, long sortIndex) throws IOException {
        if (namedTids.add(tid)) {
            metadata("thread_name", pid, tid, name);
            metadata("thread_sort_index", pid, tid, sortIndex);
        }
    }

    private void metadata(String kind, int p, Long tid, Object value) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("name", kind);
        gen.writeStringField("ph", "M");
        gen.writeNumberField("pid", p);
        if (tid != null) {
            gen.writeNumberField("tid", tid);
        }
        gen.writeObjectFieldStart("args");
        if (value instanceof Number n) {
            gen.writeNumberField("sort_index", n.longValue());
        } else {
            gen.writeStringField("name", value.toString());
        }
        gen.writeEndObject();
        gen.writeEndObject();
    }

    private void complete(String name, String cat, long tid, long start, long end, Map<String, ?> args)
            throws IOException {
        gen.writeStartObject();
        gen.writeStringField("name", name);
        gen.writeStringField("cat", cat);
        gen.writeStringField("ph", "X");
        gen.writeFieldName("ts");
        gen.writeNumber(micros(start));
        gen.writeFieldName("dur");
        gen.writeNumber(micros(end - start));
        gen.writeNumberField("pid", pid);
        gen.writeNumberField("tid", tid);
        if (args != null && !args.isEmpty()) {
            gen.writeObjectFieldStart("args");
            // sorted so that equal runs give equal files
            for (Map.Entry<String, ?> a : new TreeMap<>(args).entrySet()) {
                gen.writeFieldName(a.getKey());
                Object v = a.getValue();
                if (v instanceof Long l) {
                    gen.writeNumber(l);
                } else if (v instanceof Integer i) {
                    gen.writeNumber(i);
                } else if (v instanceof Double d) {
                    gen.writeNumber(d);
                } else {
                    gen.writeString(String.valueOf(v));
                }
            }
            gen.writeEndObject();
        }
        gen.writeEndObject();
    }

    /** ns as an exact decimal number of microseconds. */
    static BigDecimal micros(long ns) {
        return BigDecimal.valueOf(ns, 3);
    }

    @Override
    public synchronized void close() {
        try {
            gen.writeEndArray();
            gen.writeEndObject();
            gen.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
