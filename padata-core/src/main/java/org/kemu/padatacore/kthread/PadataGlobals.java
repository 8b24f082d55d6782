package org.kemu.padatacore.kthread;

import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Topology;

/**
 * padata's globals in one kernel: the pool of {@code num_possible_cpus()} work items allocated in
 * padata_init(), {@code padata_works_inuse} of patch 11, both under {@code padata_works_lock}, and
 * the numa-aware round-robin cursor {@code last_used_nid}.
 */
final class PadataGlobals {
    private final Kernel kernel;
    final SpinLock worksLock;
    private final AtomicCounter lastUsedNid;
    private int poolFree;
    private volatile int inuse;

    PadataGlobals(Kernel kernel) {
        this.kernel = kernel;
        this.worksLock = kernel.spinlock("padata_works_lock");
        this.lastUsedNid = kernel.atomic("padata last_used_nid", 0);
        this.poolFree = kernel.topology().nrCpus();
    }

    int inuse() {
        return inuse;
    }

    /**
     * padata_work_alloc_mt: takes up to {@code helpers} work items. With the online cap the job's
     * main thread is counted first (its on-stack work), then items are given only while
     * {@code padata_works_inuse < num_online_cpus()}.
     */
    int alloc(int helpers, boolean capOnline, long allocNs) {
        int online = kernel.numOnlineCpus();
        worksLock.lock();
        try {
            if (capOnline) {
                inuse++;
            }
            int got = 0;
            while (got < helpers && poolFree > 0 && (!capOnline || inuse < online)) {
                if (allocNs > 0) {
                    kernel.work(allocNs);
                }
                poolFree--;
                got++;
                if (capOnline) {
                    inuse++;
                }
            }
            return got;
        } finally {
            worksLock.unlock();
        }
    }

    /** padata_works_free: returns {@code helpers} items, and the main thread's count with the cap. */
    void free(int helpers, boolean capOnline) {
        worksLock.lock();
        try {
            poolFree += helpers;
            if (capOnline) {
                inuse -= helpers + 1;
            }
        } finally {
            worksLock.unlock();
        }
    }

    /**
     * The next node with an online CPU after {@code last_used_nid}, wrapping ({@code next_node_in}
     * over {@code node_states[N_CPU]}), claimed with compare-and-exchange as mainline does.
     */
    int nextNode() {
        Topology topo = kernel.topology();
        CpuMask online = kernel.onlineMask();
        while (true) {
            long old = lastUsedNid.get();
            int nid = (int) old;
            for (int i = 1; i <= topo.nodes(); i++) {
                int n = (int) ((old + i) % topo.nodes());
                if (topo.cpusOfNode(n).intersects(online)) {
                    nid = n;
                    break;
                }
            }
            if (lastUsedNid.compareAndSet(old, nid)) {
                return nid;
            }
        }
    }
}
