package org.kemu.mmgup;

import java.util.Objects;
import org.kemu.mmgup.gup.FolioBatchedGup;
import org.kemu.mmgup.gup.PerPageGup;
import org.kemu.mmgup.mm.DefaultLockedVm;
import org.kemu.mmgup.mm.MmImpl;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Kernel;

/**
 * The memory-management services of one kernel, wired together: physical memory, address spaces,
 * GUP and locked_vm accounting. Build one per {@link Kernel} with {@link #create}, or let
 * {@link MmGupModule} build it.
 */
public record MmGup(PhysicalMemory physicalMemory, Mm mm, Gup gup, LockedVm lockedVm) {

    /** Which GUP implementation to use. */
    public enum GupImpl {
        PER_PAGE, FOLIO_BATCHED
    }

    public MmGup {
        Objects.requireNonNull(physicalMemory);
        Objects.requireNonNull(mm);
        Objects.requireNonNull(gup);
        Objects.requireNonNull(lockedVm);
    }

    /** Builds the services of {@code kernel}; call before {@link Kernel#run()} (no task needed). */
    public static MmGup create(Kernel kernel, MemoryConfig memory, MmCosts mmCosts, GupCosts gupCosts,
            GupImpl impl) {
        PhysicalMemoryImpl pm = new PhysicalMemoryImpl(kernel, memory, mmCosts);
        MmImpl mm = new MmImpl(kernel, pm);
        Gup gup = impl == GupImpl.PER_PAGE ? new PerPageGup(kernel, mm, gupCosts)
                : new FolioBatchedGup(kernel, mm, gupCosts);
        return new MmGup(pm, mm, gup, new DefaultLockedVm(kernel));
    }

    /** Default costs, folio-batched GUP. */
    public static MmGup create(Kernel kernel, MemoryConfig memory) {
        return create(kernel, memory, MmCosts.defaults(), GupCosts.defaults(), GupImpl.FOLIO_BATCHED);
    }

    /** A second GUP implementation over the same memory and address spaces. */
    public Gup gupOf(Kernel kernel, GupCosts costs, GupImpl impl) {
        MmImpl m = (MmImpl) mm;
        return impl == GupImpl.PER_PAGE ? new PerPageGup(kernel, m, costs) : new FolioBatchedGup(kernel, m, costs);
    }
}
