package org.kemu.pluginapi;

import java.util.SortedMap;

/**
 * Where a plugin records what it measured. Names are lower-case dotted words
 * ({@code pages.allocated}, {@code threads}); values land in the run's result map.
 */
@Stable
public interface MetricsSink {
    /** Sets {@code name} to {@code value}. */
    void gauge(String name, double value);

    /** Sets {@code name} to an integer {@code value}. */
    void set(String name, long value);

    /** Adds {@code delta} to the integer counter {@code name} (from 0). */
    void add(String name, long delta);

    /** The metrics recorded so far, by name. */
    SortedMap<String, Number> snapshot();
}
