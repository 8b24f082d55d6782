package org.kemu.padatacore.kthread;

import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFactory;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.schedfair.Kernel;

/**
 * Gives each kernel one set of padata globals, as padata_init() does at boot; every instance for
 * the same kernel, from any factory, shares them, so concurrent jobs see one
 * {@code padata_works_inuse}.
 */
public final class DefaultPadataFactory implements PadataFactory {
    private final PadataFeatures features;
    private final PadataCosts costs;

    public DefaultPadataFactory(PadataFeatures features, PadataCosts costs) {
        this.features = features;
        this.costs = costs;
    }

    @Override
    public Padata forKernel(Kernel kernel) {
        // the kernel holds its globals: a static map keyed by kernels kept every kernel reachable
        return new KthreadPadata(kernel, features, costs, kernel.subsystemState(PadataGlobals.class, PadataGlobals::new));
    }
}
