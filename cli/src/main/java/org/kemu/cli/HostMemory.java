package org.kemu.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The memory of the JVM running kemu, between and during emulated runs. A terabyte guest's kernel is
 * a few hundred MB of heap, garbage the moment its run returns; the collector would otherwise leave
 * it in the old generation while the next kernel of the same command fills the heap beside it, and
 * the process would need room for both.
 */
final class HostMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private HostMemory() {
    }

    /** Collects the last run's kernel before the next one starts, so the two never share the heap. */
    static void collectBetweenRuns() {
        System.gc();
    }

    /**
     * Restarts the process's resident-set high-water mark from its current size (Linux: writing 5
     * to {@code /proc/self/clear_refs}); false where that is not possible.
     */
    static boolean resetPeakRss() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** The resident-set high-water mark ({@code VmHWM} of {@code /proc/self/status}), if the host reports one. */
    static OptionalLong peakRssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String kb = line.substring("VmHWM:".length()).trim().split("\\s+")[0];
                    return OptionalLong.of(Long.parseLong(kb) << 10);
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
