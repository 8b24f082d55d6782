package org.kemu.pluginapi;

import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.Vmstat;

/**
 * User address spaces and page pinning as a job on them uses them (a multithreaded munmap, an RDMA
 * memory region's release): mm-gup's API objects of the run's kernel, the same ones VFIO uses.
 */
@Experimental("added for the munmap and ib-umem-release users; may grow")
public interface UserMemory {

    /** mm_alloc, mmap/munmap (and {@code detachRange} for a multithreaded unmap), populate. */
    AddressSpaces addressSpaces();

    /** GUP in the run's flavour (per-page as in 5.14, or folio-batched). */
    Gup gup();

    /** {@code mm->locked_vm} / {@code mm->pinned_vm} accounting. */
    LockedVm lockedVm();

    /** The /proc/vmstat counters of the machine's memory. */
    Vmstat vmstat();

    /** Free 4 KiB pages over every node and zone. */
    long totalFreePages();

    /** The profile's memory-management costs (fault, zap, ...). */
    MmCosts costs();
}
