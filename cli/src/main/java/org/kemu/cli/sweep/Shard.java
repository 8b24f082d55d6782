package org.kemu.cli.sweep;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code index}-th of {@code count} disjoint parts of a sweep matrix. Cell {@code c} (the matrix
 * enumerated in the sweep's fixed loop order) belongs to shard {@code c % count}: round robin, so that
 * every shard gets a mix of cheap and expensive cells, and so that the merge needs no coordination: it
 * knows from {@code (index, count)} alone which cells a shard's rows are.
 *
 * @param index 0-based, below {@code count} (as Slurm's {@code --array=0-N}, Kubernetes' completion index)
 * @param count how many shards, at least 1
 */
public record Shard(int index, int count) {
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard must be I/N with 0 <= I < N, not " + index + "/" + count);
        }
    }

    /** Parses {@code I/N}. */
    public static Shard parse(String s) {
        String[] p = s.split("/", -1);
        try {
            if (p.length == 2) {
                return new Shard(Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip()));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("--shard must be I/N (e.g. 0/4), not '" + s + "'");
    }

    public boolean owns(long cell) {
        return cell % count == index;
    }

    /** How many of {@code cells} cells this shard runs. */
    public long size(long cells) {
        return cells / count + (index < cells % count ? 1 : 0);
    }

    /** The cell of this shard's {@code k}-th row. */
    public long cellOf(long k) {
        return index + k * count;
    }

    /** What the JSON sidecar records so that {@code sweep merge} can place the rows. */
    public Map<String, Object> describe(long cells) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("count", count);
        m.put("cells", cells);
        return m;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
