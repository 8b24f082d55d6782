package org.kemu.lab.pluginhost;

import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.Zone;
import org.kemu.pluginapi.MemoryNodes;

/** The SPI's node facts over mm-gup's physical memory and the profile's mm costs. */
record MemoryNodesOf(PhysicalMemory pm, MmCosts costs) implements MemoryNodes {
    @Override
    public int nrNodes() {
        return pm.nrNodes();
    }

    @Override
    public long nodeStartPfn(int nid) {
        return pm.nodeStartPfn(nid);
    }

    @Override
    public long nodePages(int nid) {
        return pm.nodePages(nid);
    }

    @Override
    public long zoneStartPfn(int nid, Zone zone) {
        return pm.zoneStartPfn(nid, zone);
    }

    @Override
    public int nodeOf(long pfn) {
        return pm.nodeOf(pfn);
    }

    @Override
    public long clearPageNs() {
        return costs.clearPageNs();
    }
}
