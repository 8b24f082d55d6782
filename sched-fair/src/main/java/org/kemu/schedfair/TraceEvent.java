package org.kemu.schedfair;

import java.util.Map;

/**
 * What a traced run reports, in virtual time (ns). Events arrive in the order the engine produces
 * them, which is not sorted by start time: a span is reported when it ends.
 */
public sealed interface TraceEvent {
    /** Time the event is reported at. */
    long at();

    /** {@code task} ran on {@code cpu} from {@code start} to {@code end}. */
    record CpuSlice(int cpu, long taskId, String task, long start, long end) implements TraceEvent {
        @Override
        public long at() {
            return end;
        }
    }

    /**
     * A task was in a state other than running: {@code state} is "runnable" (waiting for a CPU),
     * "blocked" (with {@code reason}, e.g. the lock), "throttled" or "spinning".
     */
    record TaskStateSpan(long taskId, String task, String state, String reason, long start, long end)
            implements TraceEvent {
        @Override
        public long at() {
            return end;
        }
    }

    /** A contended lock acquisition: {@code task} waited for {@code lock} from start to end. */
    record LockWait(String lock, String kind, long taskId, String task, long start, long end) implements TraceEvent {
        @Override
        public long at() {
            return end;
        }
    }

    /** A cgroup's queue on one CPU was throttled from start to end. */
    record Throttled(String cgroup, int cpu, long start, long end) implements TraceEvent {
        @Override
        public long at() {
            return end;
        }
    }

    /** A named span of kernel work (e.g. a padata chunk) done by a task. */
    record Span(String category, String name, long taskId, String task, long start, long end,
            Map<String, Object> args) implements TraceEvent {
        @Override
        public long at() {
            return end;
        }
    }

    /** A sampled value (locked_vm pages, memory bandwidth in use on a node, ...). */
    record Counter(String name, long at, double value) implements TraceEvent {
    }
}
