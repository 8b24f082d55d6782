package org.kemu.mmgup.phys;

import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Kernel;

/**
 * One node stat item's per-CPU differentials and their folds (mm/vmstat.c, 5.14): {@code
 * mod_node_page_state} is {@code mod_node_state(pgdat, item, delta, 1)} on x86, which adds
 * {@code delta} to this CPU's differential ({@code this_cpu_cmpxchg}, no shared line) and, once it
 * passes the node's {@code stat_threshold}, folds it: {@code z = n + t/2} goes to the node's counter
 * and to the global one ({@code node_page_state_add}: two {@code atomic_long_add}s on lines every
 * CPU writes) and the differential restarts at {@code -t/2} (overstep mode 1). A grab of a 2 MiB
 * hugetlb page ({@code try_grab_compound_head}, delta 512) folds every time; 4 KiB grabs
 * ({@code try_grab_page}, delta 1) fold once in {@code t + t/2 + 1} calls.
 *
 * <p>The threshold is {@code calculate_normal_threshold()}'s: {@code 2 * fls(online CPUs) * (1 +
 * fls(node memory in 128 MiB units))}, at most 125. Each fold's two adds pay a line transfer when
 * another CPU wrote the line last ({@link AtomicCounter}).
 */
public final class ModNodeState {
    private final Kernel kernel;
    private final int threshold;
    /** The differential of each CPU, per node ({@code per_cpu_nodestats->vm_node_stat_diff[item]}). */
    private final long[][] diff;
    /** {@code pgdat->vm_stat[item]} of each node. */
    private final AtomicCounter[] node;
    /** {@code vm_node_stat[item]}. */
    private final AtomicCounter global;

    ModNodeState(Kernel kernel, String item, long nodeBytes) {
        this.kernel = kernel;
        int nodes = kernel.topology().nodes();
        int cpus = kernel.topology().nrCpus();
        this.threshold = threshold(kernel.numOnlineCpus(), nodeBytes);
        this.diff = new long[nodes][cpus];
        this.node = new AtomicCounter[nodes];
        for (int n = 0; n < nodes; n++) {
            node[n] = kernel.atomic(item + ":node" + n, 0);
        }
        this.global = kernel.atomic(item, 0);
    }

    /** calculate_normal_threshold() for a zone of {@code zoneBytes} on {@code onlineCpus} CPUs. */
    static int threshold(int onlineCpus, long zoneBytes) {
        long mem = zoneBytes >>> 27;
        int t = 2 * fls(onlineCpus) * (1 + fls(mem));
        return Math.min(125, t);
    }

    private static int fls(long x) {
        return 64 - Long.numberOfLeadingZeros(x);
    }

    /**
     * {@code calls} calls of {@code mod_node_page_state(NODE_DATA(nid), item, delta)} by the current
     * task on its CPU, one after the other; each fold charges its adds. The pin counters only grow:
     * {@code delta} is positive.
     */
    public void mod(int nid, long delta, long calls) {
        if (delta <= 0 || calls <= 0) {
            throw new IllegalArgumentException("mod_node_state: delta " + delta + ", calls " + calls);
        }
        int cpu = Math.max(0, kernel.current().cpu());
        long t = threshold;
        long os = t >> 1;
        long d = diff[nid][cpu];
        long left = calls;
        while (left > 0) {
            long n = d + delta;
            if (n <= t) {
                // the calls until the next fold only move the differential (n <= t: at least this one)
                long quiet = Math.min(left, (t - d) / delta);
                d += quiet * delta;
                left -= quiet;
                continue;
            }
            long z = n + os;
            d = -os;
            left--;
            // the differential is this CPU's own: written before the shared adds, as the cmpxchg is
            diff[nid][cpu] = d;
            node[nid].addAndGet(z);
            global.addAndGet(z);
        }
        diff[nid][cpu] = d;
    }

    /** The item's value as node_page_state() and global_node_page_state() read it (folded part only). */
    long folded(int nid) {
        return node[nid].get();
    }

    long foldedGlobal() {
        return global.get();
    }

    /** CPU {@code cpu}'s differential for node {@code nid}, not yet folded. */
    long diff(int nid, int cpu) {
        return diff[nid][cpu];
    }
}
