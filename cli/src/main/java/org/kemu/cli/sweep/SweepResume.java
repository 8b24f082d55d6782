package org.kemu.cli.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code sweep --resume}: the cells an earlier, interrupted sweep already wrote to {@code --out} are
 * skipped, the rest appended, so the finished file is the one an uninterrupted sweep writes. A cell
 * is identified by its key columns (profile, backing, size, prealloc threads, pin mode, threads,
 * lock cache, seed: everything that is not a result). A last line without its line end (the crash
 * came mid-write) is not a finished cell: it is dropped and its cell run again. The sidecar's runs of
 * the kept rows are kept in the same order.
 */
public final class SweepResume {
    private static final CsvMapper CSV = new CsvMapper();

    private final Set<List<String>> done;
    private final int keptRows;
    private final BufferedWriter csv;

    private SweepResume(Set<List<String>> done, int keptRows, BufferedWriter csv) {
        this.done = done;
        this.keptRows = keptRows;
        this.csv = csv;
    }

    /**
     * Opens {@code out} for the sweep: a new file with {@code header} unless {@code resume} and the
     * file exists, in which case its finished rows are kept (EINVAL-style usage error when its header
     * is not {@code header}: it is not this kind of sweep's output) and new rows are appended.
     */
    public static SweepResume open(Path out, String header, int keyColumns, boolean resume) throws IOException {
        String nl = System.lineSeparator();
        if (!resume || !Files.exists(out)) {
            BufferedWriter w = Files.newBufferedWriter(out);
            w.write(header + nl);
            w.flush();
            return new SweepResume(Set.of(), 0, w);
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        int end = text.lastIndexOf(nl);
        // only whole lines count: what follows the last line end was cut off mid-write
        String whole = end < 0 ? "" : text.substring(0, end + nl.length());
        List<String> lines = whole.isEmpty() ? List.of()
                : List.of(whole.substring(0, whole.length() - nl.length()).split(nl, -1));
        if (lines.isEmpty() || !lines.get(0).equals(header)) {
            throw new IllegalArgumentException("--resume: " + out + " is not the CSV of a sweep (its first line is '"
                    + (lines.isEmpty() ? text.lines().findFirst().orElse("") : lines.get(0)) + "', expected '"
                    + header + "')");
        }
        Set<List<String>> done = new HashSet<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> fields = fields(line);
            if (fields.size() < keyColumns) {
                throw new IllegalArgumentException("--resume: " + out + " has a row with " + fields.size()
                        + " columns, fewer than the " + keyColumns + " that name a cell: '" + line + "'");
            }
            done.add(List.copyOf(fields.subList(0, keyColumns)));
        }
        if (!whole.equals(text)) {
            Files.writeString(out, whole, StandardCharsets.UTF_8);
        }
        BufferedWriter w = Files.newBufferedWriter(out, StandardOpenOption.APPEND);
        return new SweepResume(done, lines.size() - 1, w);
    }

    private static List<String> fields(String line) {
        try {
            // no schema: a row is read as the array of its values, RFC 4180 quoting undone
            return CSV.readerForListOf(String.class).with(CsvSchema.emptySchema()).readValue(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the cell of {@code key} (its key columns, as the CSV writes them) is already written. */
    public boolean done(List<String> key) {
        return done.contains(key);
    }

    /** How many finished cells the file already had. */
    public int keptRows() {
        return keptRows;
    }

    /** The CSV, positioned after the kept rows. */
    public BufferedWriter csv() {
        return csv;
    }

    /**
     * The runs the sidecar {@code sidecar} held for the kept rows (its first {@link #keptRows()}
     * runs, written in the same order as the rows), or none when there are no kept rows. A sidecar
     * missing or with fewer runs than kept rows cannot be completed: that is an error rather than a
     * sidecar that silently lacks runs.
     */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> keptRuns(Path sidecar) throws IOException {
        if (keptRows == 0) {
            return List.of();
        }
        if (!Files.exists(sidecar)) {
            throw new IllegalArgumentException("--resume: " + sidecar + " (the sidecar of the " + keptRows
                    + " finished cells) does not exist");
        }
        Map<String, Object> side = new ObjectMapper().readValue(sidecar.toFile(), Map.class);
        Object runs = side.get("runs");
        if (!(runs instanceof List<?> l) || l.size() < keptRows) {
            throw new IllegalArgumentException("--resume: " + sidecar + " holds "
                    + (runs instanceof List<?> l2 ? l2.size() : 0) + " runs, fewer than the " + keptRows
                    + " finished rows of the CSV");
        }
        return new ArrayList<>((List<Map<String, Object>>) (List<?>) l.subList(0, keptRows));
    }
}
