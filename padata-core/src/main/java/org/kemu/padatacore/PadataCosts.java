package org.kemu.padatacore;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * CPU time padata itself spends, in ns, charged to the task doing it. {@code kthread_create} is not
 * here: the runtime charges it ({@code RuntimeCosts.kthreadCreateNs}). Machine profiles set real
 * values; {@link #FREE} suits tests of the algorithm.
 *
 * @param jobInitNs the main task sets up the job state (lock, completion, lockdep map, cgroup ref)
 * @param workAllocNs per work item taken from the pool under {@code padata_works_lock}
 * @param helperStartNs per kthread helper, after creation: binding, renicing and waking it
 * @param queueWorkNs per helper in the workqueue model: {@code queue_work[_node]}
 * @param chunkClaimNs per chunk, under the job's spinlock: computing it and advancing the cursor
 * @param undoPerFailedWorkNs per failed work sorted and walked by {@code padata_undo}
 */
public record PadataCosts(long jobInitNs, long workAllocNs, long helperStartNs, long queueWorkNs, long chunkClaimNs,
        long undoPerFailedWorkNs) {

    public static final PadataCosts FREE = new PadataCosts(0, 0, 0, 0, 0, 0);

    public PadataCosts {
        KernelException.require(jobInitNs >= 0 && workAllocNs >= 0 && helperStartNs >= 0 && queueWorkNs >= 0
                && chunkClaimNs >= 0 && undoPerFailedWorkNs >= 0, Errno.EINVAL, "padata_costs",
                "padata costs must not be negative");
    }
}
