package org.kemu.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kemu.lab.pluginhost.PluginInfo;
import org.kemu.pluginapi.ParamType;
import org.kemu.pluginapi.PluginParam;

/**
 * A plugin's parameters as {@code kemu plugins} and {@code kemu run <plugin> --help} print them: one
 * option a line with its type and default, its description wrapped beside it, never a table as wide
 * as all defaults together.
 */
final class PluginUsage {
    private static final int WIDTH = 100;
    private static final int MAX_OPTION_COLUMN = 30;

    private PluginUsage() {
    }

    /** The plugin's name, description, origin when it is not shipped, and every parameter. */
    static String describe(PluginInfo p) {
        StringBuilder b = new StringBuilder();
        for (String line : wrap(p.name() + (p.description().isEmpty() ? "" : " - " + p.description()), WIDTH)) {
            b.append(b.isEmpty() ? "" : "    ").append(line).append('\n');
        }
        if (!p.shipped()) {
            b.append("  (from the plugin path: ").append(p.source()).append(")\n");
        }
        b.append(parameters(p.parameters()));
        return b.toString();
    }

    /** {@code --name TYPE   description (default X)}, one parameter after another. */
    static String parameters(List<PluginParam> params) {
        if (params.isEmpty()) {
            return "  (no parameters)\n";
        }
        List<String> options = params.stream().map(q -> "--" + q.name() + " " + typeOf(q)).toList();
        int col = Math.min(MAX_OPTION_COLUMN, options.stream().mapToInt(String::length).max().orElse(0)) + 4;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < params.size(); i++) {
            PluginParam q = params.get(i);
            String text = (q.description().isEmpty() ? "" : q.description() + " ") + "(default " + q.defaultValue()
                    + (q.type() == ParamType.CHOICE ? "; one of " + String.join(", ", q.choices()) : "") + ")";
            String head = "  " + options.get(i);
            List<String> lines = wrap(text, WIDTH - col);
            if (head.length() + 2 > col) {
                b.append(head).append('\n');
                head = "";
            }
            for (String line : lines) {
                b.append(head).append(" ".repeat(col - head.length())).append(line).append('\n');
                head = "";
            }
        }
        return b.toString();
    }

    private static String typeOf(PluginParam q) {
        return q.type() == ParamType.SIZE ? "BYTES" : q.type().name().toUpperCase(Locale.ROOT);
    }

    /** {@code text} broken at spaces into lines of at most {@code width} characters (longer words stay whole). */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String w : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + w.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(w);
        }
        out.add(line.toString());
        return out;
    }
}
