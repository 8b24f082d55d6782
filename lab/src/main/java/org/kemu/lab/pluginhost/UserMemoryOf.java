package org.kemu.lab.pluginhost;

import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.Vmstat;
import org.kemu.pluginapi.UserMemory;

/** The SPI's user-memory view over the lab's bound mm-gup objects (the same the VFIO workloads get). */
record UserMemoryOf(AddressSpaces addressSpaces, Gup gup, LockedVm lockedVm, PhysicalMemory pm, MmCosts costs)
        implements UserMemory {
    @Override
    public Vmstat vmstat() {
        return pm.vmstat();
    }

    @Override
    public long totalFreePages() {
        return pm.totalFreePages();
    }
}
