package org.kemu.plugintestkit;

import java.util.ArrayList;
import java.util.List;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.PhysicalMemory;

/**
 * Invariants every plugin run must keep (DESIGN section 5): mm-gup's pin balance and hugetlb
 * reservations ({@link MmInvariants#checkHugetlbReservations}), plus the hugetlb pool accounting
 * plugins touch (free within nr, reservations within free, nothing negative).
 */
public final class PluginInvariants {
    private PluginInvariants() {
    }

    public static List<String> check(PhysicalMemory pm) {
        List<String> v = new ArrayList<>(MmInvariants.checkPinsBalanced(pm));
        v.addAll(MmInvariants.checkHugetlbReservations(pm));
        for (int order : new int[] {MmConstants.PMD_ORDER, MmConstants.PUD_ORDER}) {
            long free = 0;
            for (int n = 0; n < pm.nrNodes(); n++) {
                long nr = pm.nrHugepages(n, order);
                long f = pm.freeHugepages(n, order);
                free += f;
                if (f < 0 || f > nr) {
                    v.add("node " + n + " order " + order + ": free_hugepages " + f + " outside [0, nr_hugepages "
                            + nr + "]");
                }
            }
            long resv = pm.resvHugepages(order);
            if (resv < 0 || resv > free) {
                v.add("order " + order + ": resv_hugepages " + resv + " outside [0, free " + free + "]");
            }
        }
        return v;
    }

    /** Throws {@link AssertionError} listing the violations, if any. */
    public static void assertNone(PhysicalMemory pm) {
        List<String> v = check(pm);
        if (!v.isEmpty()) {
            throw new AssertionError("plugin invariants violated: " + String.join("; ", v));
        }
    }
}
