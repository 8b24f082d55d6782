package org.kemu.vfiotype1.type1;

import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskBody;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;

/**
 * A simulated 8-CPU machine with 1 GiB of RAM (64 MiB of it a 2 MiB hugetlb pool), mm-gup services,
 * one qemu process (tgid 1) and a type1 container with the given pin configuration.
 */
final class PinFixture {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    final MmFixture mm;
    final Kernel k;
    final MmGup sys;
    final MmStruct qemu;
    final Type1Container c;

    PinFixture(PinConfig pin) {
        this(pin, Long.MAX_VALUE, MemoryConfig.ofBytesPerNode(GIB).withBootHugepages(32, 0), Type1Costs.FREE);
    }

    PinFixture(PinConfig pin, long rlimitBytes, MemoryConfig mem, Type1Costs costs) {
        // the container picks GUP by the pin config's flavour; the fixture's own flavour is unused here
        mm = new MmFixture(Kernels.simulated(KernelConfig.of(MachineSpec.simple(8), 1)), mem, GupFlavour.PER_PAGE,
                GupCosts.defaults());
        k = mm.kernel;
        sys = mm.sys;
        qemu = sys.addressSpaces().mmCreate("qemu", rlimitBytes, false);
        c = Type1Container.open(k, sys, null, Type1Params.defaults(), pin, costs);
    }

    /** The driver behind the container, for tests that look at the DMA tree. */
    VfioIommu iommu() {
        return (VfioIommu) c;
    }

    /** Runs {@code body} as qemu's main thread; failures inside are rethrown as they are. */
    void run(TaskBody body) {
        mm.run(qemu, body);
    }
}
