package org.kemu.pluginapi;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The parsed, validated parameters of one run: every declared parameter has a value (given or
 * default). Getters throw {@link IllegalArgumentException} for an undeclared name or the wrong type,
 * which is a bug in the plugin, not in its user's input.
 */
@Stable
public final class PluginParams {
    private final SortedMap<String, Object> values;
    private final SortedMap<String, String> raw;

    public PluginParams(Map<String, Object> values, Map<String, String> raw) {
        this.values = Collections.unmodifiableSortedMap(new TreeMap<>(values));
        this.raw = Collections.unmodifiableSortedMap(new TreeMap<>(raw));
    }

    private <T> T get(String name, Class<T> type) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' is declared (have " + values.keySet() + ")");
        }
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("parameter '" + name + "' is a " + v.getClass().getSimpleName()
                    + ", not a " + type.getSimpleName());
        }
        return type.cast(v);
    }

    public int getInt(String name) {
        return get(name, Integer.class);
    }

    /** A LONG or SIZE parameter (or an INT, widened). */
    public long getLong(String name) {
        return get(name, Number.class).longValue();
    }

    public double getDouble(String name) {
        return get(name, Number.class).doubleValue();
    }

    public boolean getBoolean(String name) {
        return get(name, Boolean.class);
    }

    /** A STRING or CHOICE parameter. */
    public String getString(String name) {
        return get(name, String.class);
    }

    /** Parsed values by name. */
    public SortedMap<String, Object> values() {
        return values;
    }

    /** The string form of every value, defaults included, as a run's record of its configuration. */
    public SortedMap<String, String> raw() {
        return raw;
    }

    @Override
    public String toString() {
        return raw.toString();
    }
}
