package org.kemu.lab.pluginhost;

import org.kemu.mmgup.PhysicalMemory;
import org.kemu.pluginapi.HugetlbPoolView;

/** The SPI's hugetlb pool view over mm-gup's physical memory. */
record HugetlbPoolsOf(PhysicalMemory pm) implements HugetlbPoolView {
    @Override
    public long nrHugepages(int nid, int order) {
        return pm.nrHugepages(nid, order);
    }

    @Override
    public long freeHugepages(int nid, int order) {
        return pm.freeHugepages(nid, order);
    }

    @Override
    public long resvHugepages(int order) {
        return pm.resvHugepages(order);
    }

    @Override
    public void setNrHugepages(int nid, int order, long count) {
        pm.setNrHugepages(nid, order, count);
    }

    @Override
    public long allocFreshFolio(int nid, int order) {
        return pm.allocFreshHugetlbFolio(nid, order);
    }

    @Override
    public void addAllocatedFolios(int order, long[] heads, int n) {
        pm.addAllocatedHugetlbFolios(order, heads, n);
    }

    @Override
    public boolean reservePages(int order, long n) {
        return pm.hugetlbReservePages(order, n);
    }

    @Override
    public void unreservePages(int order, long n) {
        pm.hugetlbUnreservePages(order, n);
    }

    @Override
    public long allocFolio(int prefNid, int order, boolean consumeReservation, boolean thisNodeOnly) {
        return pm.allocHugetlbFolio(prefNid, order, consumeReservation, thisNodeOnly);
    }

    @Override
    public void freeFolio(long head) {
        pm.freeHugetlbFolio(head);
    }
}
