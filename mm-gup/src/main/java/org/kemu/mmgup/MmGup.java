package org.kemu.mmgup;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.kemu.mmgup.gup.GupWalk;
import org.kemu.mmgup.mm.DefaultAddressSpaces;
import org.kemu.mmgup.mm.DefaultLockedVm;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Kernel;

/**
 * The memory-management services of one kernel, wired together: physical memory, address spaces,
 * GUP (in each {@link GupFlavour}, over the same memory) and locked_vm accounting. Build one per
 * {@link Kernel} with {@link #create}; no dependency-injection framework is needed.
 */
public final class MmGup {
    private final PhysicalMemory physicalMemory;
    private final AddressSpaces addressSpaces;
    private final LockedVm lockedVm;
    private final Map<GupFlavour, Gup> gups = new EnumMap<>(GupFlavour.class);

    private MmGup(PhysicalMemoryImpl pm, DefaultAddressSpaces mm, GupCosts gupCosts, LockedVm lockedVm, Kernel kernel) {
        this.physicalMemory = pm;
        this.addressSpaces = mm;
        this.lockedVm = lockedVm;
        for (GupFlavour flavour : GupFlavour.values()) {
            gups.put(flavour, new GupWalk(kernel, pm, mm.pageFault(), mm.migrateMovable(), gupCosts, flavour));
        }
    }

    /** Builds the services of {@code kernel}; call before {@link Kernel#run()} (no task needed). */
    public static MmGup create(Kernel kernel, MemoryConfig memory, MmCosts mmCosts, GupCosts gupCosts) {
        return create(kernel, memory, mmCosts, gupCosts, new DefaultLockedVm(kernel));
    }

    /**
     * As {@link #create(Kernel, MemoryConfig, MmCosts, GupCosts)} with another locked_vm model: every
     * user of {@link #lockedVm()} (VFIO's MAP_DMA accounting, {@link MmInvariants#checkLockedVm}) then
     * charges through {@code lockedVm}, which must have been built for the same {@code kernel}.
     * {@link DefaultLockedVm} ({@code account_locked_vm()} of mm/util.c) is the default.
     */
    public static MmGup create(Kernel kernel, MemoryConfig memory, MmCosts mmCosts, GupCosts gupCosts,
            LockedVm lockedVm) {
        Objects.requireNonNull(lockedVm, "lockedVm");
        PhysicalMemoryImpl pm = new PhysicalMemoryImpl(kernel, memory, mmCosts);
        return new MmGup(pm, new DefaultAddressSpaces(kernel, pm), gupCosts, lockedVm, kernel);
    }

    /** Default costs. */
    public static MmGup create(Kernel kernel, MemoryConfig memory) {
        return create(kernel, memory, MmCosts.defaults(), GupCosts.defaults());
    }

    public PhysicalMemory physicalMemory() {
        return physicalMemory;
    }

    public AddressSpaces addressSpaces() {
        return addressSpaces;
    }

    public LockedVm lockedVm() {
        return lockedVm;
    }

    /** GUP costed as {@code flavour}; every flavour walks the same page tables and pins the same pages. */
    public Gup gup(GupFlavour flavour) {
        return gups.get(Objects.requireNonNull(flavour, "flavour"));
    }
}
