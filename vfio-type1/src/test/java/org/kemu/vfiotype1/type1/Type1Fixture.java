package org.kemu.vfiotype1.type1;

import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.InKernel;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.iommu.IommuDomains;

/**
 * A type1 container on a simulated kernel whose GUP is a {@link FakeGup} (so tests choose the
 * physical layout), optionally with one VT-d-like domain attached; ioctls run in qemu's task
 * (tgid 1), whose mm is charged the locked_vm. RAM is 16 GiB so that the fake's physical
 * addresses (1 GiB above the vaddr) are RAM.
 */
final class Type1Fixture {
    final Kernel k = InKernel.kernel();
    final MmGup sys = MmGup.create(k, MemoryConfig.ofBytesPerNode(16L << 30));
    final MmStruct mm = sys.addressSpaces().mmCreate("qemu", Long.MAX_VALUE, false);
    final FakeGup pins;
    final VfioIommu iommu;

    Type1Fixture(Type1Params params, boolean withDomain) {
        this(params, withDomain, new FakeGup(1L << 30, 1L << 30));
    }

    Type1Fixture(Type1Params params, boolean withDomain, FakeGup gup) {
        pins = gup;
        iommu = new VfioIommu(k, sys.physicalMemory(), sys.addressSpaces(), gup, sys.lockedVm(), null, params,
                PinConfig.serial(), Type1Costs.FREE, new IommuDomains());
        if (withDomain) {
            run(() -> iommu.attachDomain(IommuDomains.create(k, IommuDomainSpec.vtd("vtd0"))));
        }
    }

    void run(Runnable body) {
        runAs(1, body);
    }

    /** Runs {@code body} in a task of thread group {@code tgid} sharing qemu's mm. */
    void runAs(long tgid, Runnable body) {
        k.spawn(TaskSpec.user("qemu", tgid), body::run).attach(MmStruct.class, mm);
        InKernel.runAll(k);
    }

    /** Runs {@code body} in a task and returns the KernelException it threw. */
    KernelException fails(Runnable body) {
        KernelException[] out = new KernelException[1];
        run(() -> {
            try {
                body.run();
            } catch (KernelException e) {
                out[0] = e;
            }
        });
        if (out[0] == null) {
            throw new AssertionError("expected a KernelException");
        }
        return out[0];
    }
}
