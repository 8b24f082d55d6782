package org.kemu.padatacore.kthread;

import java.util.Map;
import java.util.WeakHashMap;
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
    /** Keyed by kernel identity: every factory and instance of one kernel shares its globals. */
    private static final Map<Kernel, PadataGlobals> GLOBALS = new WeakHashMap<>();

    public DefaultPadataFactory(PadataFeatures features, PadataCosts costs) {
        this.features = features;
        this.costs = costs;
    }

    @Override
    public Padata forKernel(Kernel kernel) {
        PadataGlobals g;
        // setup-time bookkeeping of the factory, not emulated concurrency
        synchronized (GLOBALS) {
            g = GLOBALS.computeIfAbsent(kernel, PadataGlobals::new);
        }
        return new KthreadPadata(kernel, features, costs, g);
    }
}
