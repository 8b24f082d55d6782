package org.kemu.cli.sweep;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * The heap a sweep holds between cells: what is still reachable when no cell runs. A sweep must free
 * everything of a cell when it ends (issue 15), so this figure after the last cell equals the one
 * after the first within a few MB; it is measured by full collections, so garbage the collector has
 * not reached yet does not count.
 */
public final class LiveHeap {
    private LiveHeap() {
    }

    /**
     * The heap in use after full collections. Three, because one {@code System.gc()} can leave
     * objects whose finalisation or reference processing frees more on the next one.
     */
    public static long bytes() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        // what the last collection left in each heap pool, not the pools' usage now: a thread that
        // allocates right after the collection (the progress log) would otherwise count
        long used = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null) {
                used += p.getCollectionUsage().getUsed();
            }
        }
        return used;
    }

    /** {@code bytes} in MiB with one decimal, for the sweep's report line. */
    public static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
