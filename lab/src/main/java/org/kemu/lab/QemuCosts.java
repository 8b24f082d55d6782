package org.kemu.lab;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * What qemu spends during guest init outside the kernel paths kemu emulates, in ns.
 *
 * @param initFixedNs qemu's setup independent of guest size (process start, machine, device models)
 * @param initPerGiBNs qemu's setup that scales with guest RAM (memslots, dirty bitmaps, guest tables)
 * @param thpPreallocFolioNs per 2 MiB THP faulted in by qemu's prealloc threads: the allocation stall
 *     of concurrent THP faults (direct compaction under {@code zone->lock}), serialised between them
 *
 * <p>The MAP_DMA calls qemu makes are not costs: they follow from the machine type's RAM layout
 * ({@link org.kemu.lab.workload.PcMemoryInit}).
 */
public record QemuCosts(long initFixedNs, long initPerGiBNs, long thpPreallocFolioNs) {
    public QemuCosts {
        KernelException.require(initFixedNs >= 0 && initPerGiBNs >= 0 && thpPreallocFolioNs >= 0, Errno.EINVAL,
                "qemu_costs", "negative cost");
    }

    public static final QemuCosts FREE = new QemuCosts(0, 0, 0);
}
