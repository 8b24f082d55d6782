package org.kemu.pluginapi;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A parameter a plugin declares: its name (as given on the command line, {@code --name value}), type,
 * default in string form, a description for {@code kemu plugins}, the allowed values of a
 * {@link ParamType#CHOICE}, and a validator of the parsed value.
 */
@Stable
public final class PluginParam {

    /** Lower-case words joined by hyphens, as command-line options are spelled. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    private final String name;
    private final ParamType type;
    private final String defaultValue;
    private final String description;
    private final List<String> choices;
    private final ParamValidator validator;

    private PluginParam(String name, ParamType type, String defaultValue, String description, List<String> choices,
            ParamValidator validator) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
        this.description = description == null ? "" : description;
        this.choices = choices == null ? List.of() : List.copyOf(choices);
        this.validator = validator == null ? ParamValidator.NONE : validator;
    }

    /** Any declaration; the {@code ofX} factories below cover the usual ones. */
    public static PluginParam of(String name, ParamType type, String defaultValue, String description,
            List<String> choices, ParamValidator validator) {
        return new PluginParam(name, type, defaultValue, description, choices, validator);
    }

    public String name() {
        return name;
    }

    public ParamType type() {
        return type;
    }

    /** The default in the same string form as on the command line. */
    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** The allowed values of a {@link ParamType#CHOICE}; empty otherwise. */
    public List<String> choices() {
        return choices;
    }

    public ParamValidator validator() {
        return validator;
    }

    @Override
    public String toString() {
        return "--" + name + " " + defaultValue + " (" + type + ")";
    }

    public static PluginParam ofInt(String name, int def, String description, ParamValidator v) {
        return new PluginParam(name, ParamType.INT, Integer.toString(def), description, List.of(), v);
    }

    public static PluginParam ofLong(String name, long def, String description, ParamValidator v) {
        return new PluginParam(name, ParamType.LONG, Long.toString(def), description, List.of(), v);
    }

    public static PluginParam ofDouble(String name, double def, String description, ParamValidator v) {
        return new PluginParam(name, ParamType.DOUBLE, Double.toString(def), description, List.of(), v);
    }

    public static PluginParam ofBoolean(String name, boolean def, String description) {
        return new PluginParam(name, ParamType.BOOLEAN, Boolean.toString(def), description, List.of(), null);
    }

    public static PluginParam ofString(String name, String def, String description) {
        return new PluginParam(name, ParamType.STRING, def, description, List.of(), null);
    }

    /** A byte count; {@code def} in the same form as on the command line, e.g. {@code "2G"}. */
    public static PluginParam ofSize(String name, String def, String description, ParamValidator v) {
        return new PluginParam(name, ParamType.SIZE, def, description, List.of(), v);
    }

    public static PluginParam ofChoice(String name, String def, String description, String... choices) {
        return new PluginParam(name, ParamType.CHOICE, def, description, List.of(choices), null);
    }
}
