package org.kemu.pluginapi;

import org.kemu.mmgup.Zone;

/** Physical memory and node facts ({@code pg_data_t} spans, zones) and what the memory subsystem charges. */
@Stable
public interface MemoryNodes {

    /** Nodes with memory. */
    int nrNodes();

    /** {@code node_start_pfn}. */
    long nodeStartPfn(int nid);

    /** {@code node_spanned_pages}. */
    long nodePages(int nid);

    /** First pfn of {@code zone} on {@code nid}. */
    long zoneStartPfn(int nid, Zone zone);

    /** {@code pfn_to_nid()}. */
    int nodeOf(long pfn);

    /** CPU ns of {@code clear_page()} on one 4 KiB page, as the machine profile gives it. */
    long clearPageNs();
}
