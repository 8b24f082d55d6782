package org.kemu.pluginapi;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a plugin's job produced: the virtual time the job took (as the plugin defines its job, e.g.
 * from the fallocate call to its return) and its metrics. A final class rather than a record, so
 * that it can grow accessors compatibly.
 */
@Stable
public final class PluginResult {
    private final long virtualTimeNs;
    private final SortedMap<String, Number> metrics;

    private PluginResult(long virtualTimeNs, Map<String, Number> metrics) {
        this.virtualTimeNs = virtualTimeNs;
        this.metrics = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(metrics, "metrics")));
    }

    /** A result of {@code virtualTimeNs} with {@code metrics}. */
    public static PluginResult of(long virtualTimeNs, Map<String, Number> metrics) {
        return new PluginResult(virtualTimeNs, metrics);
    }

    /** The job's time since {@link PluginContext#startTimeNs()} and everything in its metrics sink. */
    public static PluginResult of(PluginContext ctx) {
        return new PluginResult(ctx.now() - ctx.startTimeNs(), ctx.metrics().snapshot());
    }

    public long virtualTimeNs() {
        return virtualTimeNs;
    }

    public SortedMap<String, Number> metrics() {
        return metrics;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PluginResult r && r.virtualTimeNs == virtualTimeNs && r.metrics.equals(metrics);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(virtualTimeNs) * 31 + metrics.hashCode();
    }

    @Override
    public String toString() {
        return "PluginResult[virtualTimeNs=" + virtualTimeNs + ", metrics=" + metrics + "]";
    }
}
