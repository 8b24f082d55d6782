package org.kemu.lab;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * What qemu spends during guest init outside the kernel paths kemu emulates, in ns.
 *
 * @param initFixedNs qemu's setup independent of guest size (process start, machine, device models)
 * @param initPerGiBNs qemu's setup that scales with guest RAM (memslots, dirty bitmaps, guest tables)
 *
 * <p>The MAP_DMA calls qemu makes are not costs: they follow from the machine type's RAM layout
 * ({@link org.kemu.lab.workload.PcMemoryInit}); qemu's prealloc touch is emulated through the kernel
 * paths it takes (mm-gup's huge zero page and 4 KiB copy-on-write, {@code ZeroPageCow}).
 */
public record QemuCosts(long initFixedNs, long initPerGiBNs) {
    public QemuCosts {
        KernelException.require(initFixedNs >= 0 && initPerGiBNs >= 0, Errno.EINVAL, "qemu_costs", "negative cost");
    }

    public static final QemuCosts FREE = new QemuCosts(0, 0);
}
