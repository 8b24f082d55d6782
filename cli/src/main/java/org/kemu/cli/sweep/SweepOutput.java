package org.kemu.cli.sweep;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where a sweep writes: checked before the first cell runs, so no finished cell is thrown away. */
public final class SweepOutput {
    private SweepOutput() {
    }

    /** Refuses an {@code --out} whose directory is missing or not writable, saying which and why. */
    public static void checkWritable(Path out) {
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + out + ": directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir) || Files.exists(out) && !Files.isWritable(out)) {
            throw new IllegalArgumentException("--out " + out + ": not writable");
        }
    }
}
