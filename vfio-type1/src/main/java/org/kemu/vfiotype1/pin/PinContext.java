package org.kemu.vfiotype1.pin;

import java.util.Objects;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Costs;

/** What the pin path works with: the kernel, mm-gup's services, its configuration and costs. */
record PinContext(Kernel kernel, PhysicalMemory pm, AddressSpaces mm, Gup gup, LockedVm lockedVm, PinConfig config,
        Type1Costs costs, boolean disableHugepages) {
    PinContext {
        Objects.requireNonNull(kernel);
        Objects.requireNonNull(pm);
        Objects.requireNonNull(mm);
        Objects.requireNonNull(gup);
        Objects.requireNonNull(lockedVm);
        Objects.requireNonNull(config);
        Objects.requireNonNull(costs);
    }

    boolean folioBatched() {
        return config.folioBatchedRuns();
    }
}
