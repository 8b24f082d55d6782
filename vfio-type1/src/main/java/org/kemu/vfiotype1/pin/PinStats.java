package org.kemu.vfiotype1.pin;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the pin path (statistics only, never read by emulated code, so plain atomics).
 */
final class PinStats {
    final AtomicLong runs = new AtomicLong();
    final AtomicLong batchRefills = new AtomicLong();
    final AtomicLong pagesPinned = new AtomicLong();
    final AtomicLong reservedPages = new AtomicLong();
    final AtomicLong lockAcctCalls = new AtomicLong();
    final AtomicLong lockCacheRefills = new AtomicLong();
    final AtomicLong lockCacheRefillFailures = new AtomicLong();
    final AtomicLong unpinCalls = new AtomicLong();
    final AtomicLong pagesUnpinned = new AtomicLong();
    final AtomicLong padataJobs = new AtomicLong();
    final AtomicLong padataChunks = new AtomicLong();
}
