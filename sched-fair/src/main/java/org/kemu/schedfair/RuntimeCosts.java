package org.kemu.schedfair;

/**
 * Costs the runtime itself charges, in nanoseconds of CPU time. Machine profiles set them; each
 * says where its value comes from.
 *
 * @param contextSwitchNs CPU time a CPU spends switching to another task (not charged to either)
 * @param lockAcquireNs CPU time of an uncontended lock acquisition
 * @param cacheLineTransferNs moving a contended cache line (lock word, atomic) between CPUs of a node
 * @param remoteCacheLineTransferNs the same between nodes
 * @param kthreadCreateNs CPU time the creating task spends in kthread_create
 */
public record RuntimeCosts(long contextSwitchNs, long lockAcquireNs, long cacheLineTransferNs,
        long remoteCacheLineTransferNs, long kthreadCreateNs) {

    /** No overheads at all: useful for tests that check pure scheduling arithmetic. */
    public static final RuntimeCosts FREE = new RuntimeCosts(0, 0, 0, 0, 0);

    public RuntimeCosts {
        KernelException.require(contextSwitchNs >= 0 && lockAcquireNs >= 0 && cacheLineTransferNs >= 0
                && remoteCacheLineTransferNs >= 0 && kthreadCreateNs >= 0,
                Errno.EINVAL, "costs", "runtime costs must not be negative");
    }

    /** Moving a contended line between two CPUs: within one node, or across nodes. */
    public long lineTransferNs(boolean sameNode) {
        return sameNode ? cacheLineTransferNs : remoteCacheLineTransferNs;
    }
}
