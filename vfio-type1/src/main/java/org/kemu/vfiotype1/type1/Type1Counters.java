package org.kemu.vfiotype1.type1;

import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * What the pin path counts as it goes, for {@link org.kemu.vfiotype1.Type1Stats}: statistics only,
 * never read by emulated code, so plain atomics (safe on the hosted backend's real threads).
 */
final class Type1Counters {
    private final int cpuNodes;
    private final int memoryNodes;
    /**
     * Pages of the runs returned, by the node of the pinning task's CPU (row) and the node of the
     * memory (column), row-major: the off-diagonal cells are remote pins.
     */
    private final AtomicLongArray pagesByNodes;

    Type1Counters(int cpuNodes, int memoryNodes) {
        this.cpuNodes = cpuNodes;
        this.memoryNodes = memoryNodes;
        this.pagesByNodes = new AtomicLongArray(cpuNodes * memoryNodes);
    }

    final AtomicLong runs = new AtomicLong();
    final AtomicLong batchRefills = new AtomicLong();
    final AtomicLong pagesPinned = new AtomicLong();
    final AtomicLong reservedPages = new AtomicLong();
    final AtomicLong lockAcctCalls = new AtomicLong();
    final AtomicLong lockAcctNs = new AtomicLong();
    /** vfio_lock_acct() calls that charged the atomic locked_vm, taking no mmap lock (ktask v4). */
    final AtomicLong lockAcctAtomicCalls = new AtomicLong();
    /** mmap lock read acquisitions of the pin path: one per GUP batch, or one per run when held across it. */
    final AtomicLong mmapReadLocks = new AtomicLong();
    final AtomicLong lockCacheRefills = new AtomicLong();
    final AtomicLong lockCacheRefillFailures = new AtomicLong();
    final AtomicLong unpinCalls = new AtomicLong();
    final AtomicLong pagesUnpinned = new AtomicLong();
    final AtomicLong padataJobs = new AtomicLong();
    final AtomicLong padataChunks = new AtomicLong();
    /** Virtual time inside {@code pin_user_pages_remote()} when the first page was present. */
    final AtomicLong gupNs = new AtomicLong();
    /** Virtual time inside {@code pin_user_pages_remote()} when the first page had to be faulted in. */
    final AtomicLong faultClearNs = new AtomicLong();
    /**
     * Pages of every run {@code vfio_pin_pages_remote()} returned: 3 significant digits, so runs up to
     * 2048 pages are exact and larger ones land in buckets of 0.1% of their size. Concurrent, as the
     * hosted backend's helpers record from real threads.
     */
    final ConcurrentHistogram runPages = new ConcurrentHistogram(3);

    /** {@link #runPages} as run size in pages (a bucket's lowest value) to runs of that size. */
    NavigableMap<Long, Long> runsByPages() {
        NavigableMap<Long, Long> m = new TreeMap<>();
        for (HistogramIterationValue v : runPages.copy().recordedValues()) {
            m.put(runPages.lowestEquivalentValue(v.getValueIteratedTo()), v.getCountAtValueIteratedTo());
        }
        return m;
    }

    void pinnedOnNodes(int cpuNode, int memoryNode, long pages) {
        pagesByNodes.addAndGet(cpuNode * memoryNodes + memoryNode, pages);
    }

    /** {@link #pagesByNodes} as CPU node to memory node to pages, nodes with no pages left out. */
    NavigableMap<Integer, NavigableMap<Integer, Long>> pagesByCpuAndMemoryNode() {
        NavigableMap<Integer, NavigableMap<Integer, Long>> m = new TreeMap<>();
        for (int c = 0; c < cpuNodes; c++) {
            for (int n = 0; n < memoryNodes; n++) {
                long v = pagesByNodes.get(c * memoryNodes + n);
                if (v != 0) {
                    m.computeIfAbsent(c, k -> new TreeMap<>()).put(n, v);
                }
            }
        }
        return m;
    }
}
