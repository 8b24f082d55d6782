package org.kemu.pluginapi;

/** The type of a plugin parameter, which decides how its string form is parsed. */
@Stable
public enum ParamType {
    /** A 32-bit integer. */
    INT,
    /** A 64-bit integer. */
    LONG,
    /** A finite double. */
    DOUBLE,
    /** {@code true} or {@code false} (also yes/no, on/off, 1/0). */
    BOOLEAN,
    /** Any string. */
    STRING,
    /** A byte count with an optional binary suffix: {@code 4096}, {@code 2M}, {@code 1G}, {@code 3T}. */
    SIZE,
    /** One of a fixed set of strings ({@link PluginParam#choices()}). */
    CHOICE
}
