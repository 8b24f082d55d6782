package org.kemu.lab.trace;

import org.kemu.lab.Lab;
import org.kemu.vfiotype1.IommuDomainFactory;

/**
 * What a caller wants to see of one kernel it boots, passed to {@link Lab#boot} as an argument. It
 * binds nothing: it is handed the IOMMU domain factory in effect (the default or any override) to
 * watch, and the booted kernel before anything runs, so it composes with every override.
 */
public interface RunObserver {
    /** Observes nothing: the tracer stays off. */
    RunObserver NONE = new RunObserver() {
    };

    /** Wraps {@code bound}, the domain factory in effect, to see the domains the run makes. */
    default IommuDomainFactory watch(IommuDomainFactory bound) {
        return bound;
    }

    /** The kernel of {@code lab} is booted; nothing has run on it yet. */
    default void booted(Lab lab) {
    }
}
