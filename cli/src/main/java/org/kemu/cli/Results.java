package org.kemu.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.kemu.lab.Version;

/**
 * The head of every JSON document kemu prints or writes: which schema version and which kind of
 * result it is, so a reader can check both before trusting a field (docs/results.md).
 */
public final class Results {
    /**
     * The schema of every JSON result. The number goes up when a field is removed, renamed or changes
     * meaning or unit; adding a field keeps it (docs/results.md, "Version policy").
     */
    public static final String SCHEMA = "kemu-result/1";

    private Results() {
    }

    /** A new document of {@code kind}: {@code schema}, {@code kind} and {@code kemu_version} first. */
    static Map<String, Object> document(String kind) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("kind", kind);
        m.put("kemu_version", Version.get());
        return m;
    }
}
