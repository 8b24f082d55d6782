package org.kemu.vfiotype1.type1;

import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.InKernel;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.iommu.IommuDomains;

/** A type1 container on a simulated kernel, optionally with one VT-d-like domain attached. */
final class Type1Fixture {
    final Kernel k = InKernel.kernel();
    final Type1Iommu iommu;
    final FakePinPath pins = new FakePinPath(1L << 30, 1L << 40);

    Type1Fixture(Type1Params params, boolean withDomain) {
        iommu = new Type1Iommu(k, params);
        iommu.setPinPath(pins);
        if (withDomain) {
            run(() -> iommu.attachDomain(IommuDomains.create(k, IommuDomainSpec.vtd("vtd0"))));
        }
    }

    void run(Runnable body) {
        InKernel.run(k, body::run);
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
