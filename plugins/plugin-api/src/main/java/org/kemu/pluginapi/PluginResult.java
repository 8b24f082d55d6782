package org.kemu.pluginapi;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a plugin's job produced: the virtual time the job took (as the plugin defines its job, e.g.
 * from the fallocate call to its return) and its metrics.
 */
@Stable
public record PluginResult(long virtualTimeNs, SortedMap<String, Number> metrics) {
    public PluginResult {
        Objects.requireNonNull(metrics, "metrics");
        metrics = Collections.unmodifiableSortedMap(new TreeMap<>(metrics));
    }

    /** The job's time since {@link PluginContext#startTimeNs()} and everything in its metrics sink. */
    public static PluginResult of(PluginContext ctx) {
        return new PluginResult(ctx.now() - ctx.startTimeNs(), ctx.metrics().snapshot());
    }
}
