package org.kemu.vfiotype1.type1;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the pin path counts as it goes, for {@link org.kemu.vfiotype1.Type1Stats}: statistics only,
 * never read by emulated code, so plain atomics (safe on the hosted backend's real threads).
 */
final class Type1Counters {
    final AtomicLong runs = new AtomicLong();
    final AtomicLong batchRefills = new AtomicLong();
    final AtomicLong pagesPinned = new AtomicLong();
    final AtomicLong reservedPages = new AtomicLong();
    final AtomicLong lockAcctCalls = new AtomicLong();
    final AtomicLong lockAcctNs = new AtomicLong();
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
}
