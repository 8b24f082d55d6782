package org.kemu.plugintestkit;

import java.util.ArrayList;
import java.util.List;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.PhysicalMemory;

/**
 * The hugetlb pools as sysfs shows them, per node and size: compare two snapshots to check that a
 * failed job left the pools as they were.
 */
public record HugetlbPoolState(List<Long> nr2m, List<Long> free2m, long resv2m, List<Long> nr1g, List<Long> free1g,
        long resv1g) {

    public static HugetlbPoolState of(PhysicalMemory pm) {
        List<Long> nr2 = new ArrayList<>();
        List<Long> f2 = new ArrayList<>();
        List<Long> nr1 = new ArrayList<>();
        List<Long> f1 = new ArrayList<>();
        for (int n = 0; n < pm.nrNodes(); n++) {
            nr2.add(pm.nrHugepages(n, MmConstants.PMD_ORDER));
            f2.add(pm.freeHugepages(n, MmConstants.PMD_ORDER));
            nr1.add(pm.nrHugepages(n, MmConstants.PUD_ORDER));
            f1.add(pm.freeHugepages(n, MmConstants.PUD_ORDER));
        }
        return new HugetlbPoolState(List.copyOf(nr2), List.copyOf(f2), pm.resvHugepages(MmConstants.PMD_ORDER),
                List.copyOf(nr1), List.copyOf(f1), pm.resvHugepages(MmConstants.PUD_ORDER));
    }
}
