package org.kemu.memoryhotpluginit;

import org.kemu.mmgup.Zone;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * A range {@code add_memory()} made present on node {@code nid} (sections with an allocated but
 * uninitialised memmap, offline) and what {@link OnlinePages} does to it: per section, the struct
 * pages initialised and the zone they were linked to, whether it is online; the zone span it grew.
 *
 * <p>The range lies above every boot node's memory and is this plugin's own: its pages do not join
 * the emulated machine's page allocator (mm-gup's memory is fixed at boot), so the job's cost and
 * undo are modelled, not later allocations from the new memory. No lock guards the per-section
 * state: chunks are section aligned, so each section is written by exactly one task.
 */
public final class HotAddedMemory {
    /** x86-64 SECTION_SIZE_BITS 27 with 4 KiB pages: 128 MiB sections (memory blocks of one section). */
    public static final long PAGES_PER_SECTION = 1L << (27 - 12);
    /** MAX_ORDER_NR_PAGES: order-10 (4 MiB) blocks. */
    public static final long MAX_ORDER_NR_PAGES = 1L << 10;

    private final int nid;
    private final long startPfn;
    private final long[] initialised;
    private final Zone[] zone;
    private final boolean[] online;
    private long zoneStart = -1;
    private long zoneEnd = -1;
    private long blocksFreed;

    /** {@code add_memory(nid, start, size)} of {@code sections} sections from the section-aligned {@code startPfn}. */
    public HotAddedMemory(int nid, long startPfn, int sections) {
        KernelException.require(startPfn % PAGES_PER_SECTION == 0 && sections > 0, Errno.EINVAL,
                "add_memory:align", "range not section aligned");
        this.nid = nid;
        this.startPfn = startPfn;
        this.initialised = new long[sections];
        this.zone = new Zone[sections];
        this.online = new boolean[sections];
    }

    public int nid() {
        return nid;
    }

    public long startPfn() {
        return startPfn;
    }

    public long endPfn() {
        return startPfn + initialised.length * PAGES_PER_SECTION;
    }

    public int sections() {
        return initialised.length;
    }

    private int section(long pfn) {
        return (int) ((pfn - startPfn) / PAGES_PER_SECTION);
    }

    /** Every section of [pfn, pfn + n) is present and offline. */
    boolean isOfflineRange(long pfn, long n) {
        if (pfn < startPfn || pfn + n > endPfn()) {
            return false;
        }
        for (int s = section(pfn); s <= section(pfn + n - 1); s++) {
            if (online[s]) {
                return false;
            }
        }
        return true;
    }

    /** resize_zone_range / resize_pgdat_range of move_pfn_range_to_zone. */
    void growZoneSpan(Zone z, long pfn, long n) {
        zoneStart = zoneStart < 0 ? pfn : Math.min(zoneStart, pfn);
        zoneEnd = Math.max(zoneEnd, pfn + n);
    }

    /** remove_pfn_range_from_zone's shrink_zone_span: the span back to the online sections. */
    void shrinkZoneSpan(long pfn, long n) {
        zoneStart = -1;
        zoneEnd = -1;
        for (int s = 0; s < online.length; s++) {
            if (online[s]) {
                long a = startPfn + s * PAGES_PER_SECTION;
                zoneStart = zoneStart < 0 ? a : Math.min(zoneStart, a);
                zoneEnd = Math.max(zoneEnd, a + PAGES_PER_SECTION);
            }
        }
    }

    /** Struct pages [pfn, pfn + n), all in one section, initialised into {@code z}. */
    void initialised(long pfn, long n, Zone z) {
        int s = section(pfn);
        initialised[s] += n;
        zone[s] = z;
    }

    /** remove_pfn_range_from_zone: the struct pages uninitialised (poisoned) again. */
    void uninit(long pfn, long n) {
        for (int s = section(pfn); s <= section(pfn + n - 1); s++) {
            initialised[s] = 0;
            zone[s] = null;
        }
    }

    void markOnline(long pfn, long n, long blocks) {
        for (int s = section(pfn); s <= section(pfn + n - 1); s++) {
            online[s] = true;
        }
        blocksFreed += blocks;
    }

    /** Struct pages initialised in section {@code s} (a check that each is done exactly once). */
    public long initialised(int s) {
        return initialised[s];
    }

    public Zone zone(int s) {
        return zone[s];
    }

    public boolean online(int s) {
        return online[s];
    }

    /** The zone span over this range: [start, end) pfns, or -1s when nothing is in a zone. */
    public long zoneSpanStart() {
        return zoneStart;
    }

    public long zoneSpanEnd() {
        return zoneEnd;
    }

    /** MAX_ORDER blocks handed to the buddy allocator. */
    public long blocksFreed() {
        return blocksFreed;
    }
}
