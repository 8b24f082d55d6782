package org.kemu.lab;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * What qemu spends during guest init outside the kernel paths kemu emulates, in ns.
 *
 * @param initFixedNs qemu's setup independent of guest size (process start, machine, device models)
 * @param initPerGiBNs qemu's setup that scales with guest RAM (memslots, dirty bitmaps, guest tables)
 * @param smallRegions how many small MAP_DMA calls qemu makes besides guest RAM (ROMs, BARs)
 * @param smallRegionBytes size of each small region
 */
public record QemuCosts(long initFixedNs, long initPerGiBNs, long smallRegions,
        long smallRegionBytes) {
    public QemuCosts {
        KernelException.require(initFixedNs >= 0 && initPerGiBNs >= 0 && smallRegions >= 0
                && smallRegionBytes >= 0 && smallRegionBytes % 4096 == 0, Errno.EINVAL, "qemu_costs",
                "negative cost or unaligned region");
    }

    public static final QemuCosts FREE = new QemuCosts(0, 0, 2, 2L << 20);
}
