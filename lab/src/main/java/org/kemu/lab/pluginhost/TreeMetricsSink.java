package org.kemu.lab.pluginhost;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.kemu.pluginapi.MetricsSink;

/**
 * Metrics by name in sorted order. A concurrent map, because on the hosted backend helper tasks are
 * real threads; this is host bookkeeping, not emulated state, so it takes no emulated lock.
 */
public final class TreeMetricsSink implements MetricsSink {
    private final ConcurrentSkipListMap<String, Number> values = new ConcurrentSkipListMap<>();

    @Override
    public void gauge(String name, double value) {
        values.put(name, value);
    }

    @Override
    public void set(String name, long value) {
        values.put(name, value);
    }

    @Override
    public void add(String name, long delta) {
        values.merge(name, delta, (a, b) -> a.longValue() + b.longValue());
    }

    @Override
    public SortedMap<String, Number> snapshot() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(values));
    }
}
