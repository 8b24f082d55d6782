package org.kemu.lab.pluginhost;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.kemu.pluginapi.ParamType;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Parses parameters from their command-line strings and checks declarations. Every error is an
 * EINVAL {@link KernelException} whose check names the parameter ({@code param:<name>}).
 */
public final class ParamParser {
    private ParamParser() {
    }

    /** Checks a plugin's declarations: names, uniqueness, choices, and that every default parses and validates. */
    public static void checkDeclarations(List<PluginParam> params) {
        Set<String> seen = new HashSet<>();
        for (PluginParam p : params) {
            KernelException.require(p != null, Errno.EINVAL, "param:declaration", "a null parameter declaration");
            KernelException.require(PluginParam.NAME.matcher(p.name()).matches(), Errno.EINVAL,
                    "param:" + p.name(), "parameter name '" + p.name()
                            + "' is not lower-case words joined by hyphens");
            KernelException.require(seen.add(p.name()), Errno.EINVAL, "param:" + p.name(),
                    "parameter '" + p.name() + "' is declared twice");
            KernelException.require(p.type() != ParamType.CHOICE || !p.choices().isEmpty(), Errno.EINVAL,
                    "param:" + p.name(), "choice parameter '" + p.name() + "' declares no choices");
            try {
                parse(p, p.defaultValue());
            } catch (KernelException e) {
                throw new KernelException(Errno.EINVAL, "param:" + p.name(), "default of parameter '" + p.name()
                        + "' is invalid: " + e.getMessage(), e);
            }
        }
    }

    /** Parses {@code given} (name to string value) against {@code declared}; unknown names are EINVAL. */
    public static PluginParams parseAll(List<PluginParam> declared, Map<String, String> given) {
        Map<String, PluginParam> byName = new LinkedHashMap<>();
        for (PluginParam p : declared) {
            byName.put(p.name(), p);
        }
        for (String name : new TreeMap<>(given).keySet()) {
            KernelException.require(byName.containsKey(name), Errno.EINVAL, "param:" + name,
                    "unknown parameter '" + name + "' (known: " + String.join(", ", byName.keySet()) + ")");
        }
        Map<String, Object> values = new TreeMap<>();
        Map<String, String> raw = new TreeMap<>();
        for (PluginParam p : declared) {
            String s = given.getOrDefault(p.name(), p.defaultValue());
            values.put(p.name(), parse(p, s));
            raw.put(p.name(), s);
        }
        return new PluginParams(values, raw);
    }

    /** Parses one value and runs the parameter's validator. */
    public static Object parse(PluginParam p, String s) {
        String check = "param:" + p.name();
        KernelException.require(s != null, Errno.EINVAL, check, "parameter '" + p.name() + "' has no value");
        String t = s.trim();
        Object v;
        try {
            v = switch (p.type()) {
                case INT -> Integer.parseInt(t);
                case LONG -> Long.parseLong(t);
                case DOUBLE -> {
                    double d = Double.parseDouble(t);
                    if (!Double.isFinite(d)) {
                        throw new NumberFormatException();
                    }
                    yield d;
                }
                case BOOLEAN -> parseBoolean(t);
                case STRING -> s;
                case SIZE -> parseSize(t);
                case CHOICE -> {
                    if (!p.choices().contains(t)) {
                        throw new KernelException(Errno.EINVAL, check, "parameter '" + p.name() + "': '" + t
                                + "' is not one of " + p.choices());
                    }
                    yield t;
                }
            };
        } catch (NumberFormatException e) {
            throw new KernelException(Errno.EINVAL, check, "parameter '" + p.name() + "': '" + s + "' is not a "
                    + p.type().name().toLowerCase(Locale.ROOT) + (p.type() == ParamType.SIZE
                            ? " (a byte count with an optional K, M, G or T suffix)" : ""));
        }
        String why;
        try {
            why = p.validator().check(v);
        } catch (RuntimeException e) {
            why = "validator failed: " + e;
        }
        KernelException.require(why == null, Errno.EINVAL, check, "parameter '" + p.name() + "' " + why);
        return v;
    }

    private static Boolean parseBoolean(String t) {
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new NumberFormatException();
        };
    }

    /** A byte count: digits with an optional binary suffix K, M, G or T (KiB ...), optional trailing B or iB. */
    public static long parseSize(String t) {
        String u = t.toUpperCase(Locale.ROOT);
        if (u.endsWith("IB")) {
            u = u.substring(0, u.length() - 2);
        } else if (u.endsWith("B") && u.length() > 1 && !Character.isDigit(u.charAt(u.length() - 2))) {
            u = u.substring(0, u.length() - 1);
        }
        int shift = 0;
        if (!u.isEmpty()) {
            switch (u.charAt(u.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> shift = 0;
            }
        }
        if (shift > 0) {
            u = u.substring(0, u.length() - 1);
        }
        long n = Long.parseLong(u);
        if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new NumberFormatException();
        }
        return n << shift;
    }
}
