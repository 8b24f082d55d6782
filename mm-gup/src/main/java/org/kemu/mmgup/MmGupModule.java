package org.kemu.mmgup;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import org.kemu.schedfair.Kernel;

/**
 * Guice bindings of mm-gup: {@link PhysicalMemory}, {@link Mm}, {@link Gup}, {@link LockedVm} for the
 * bound {@link Kernel}. The memory layout, the costs and the GUP implementation are constructor
 * arguments; override {@link Gup} (Modules.override) to plug in another implementation.
 */
public final class MmGupModule extends AbstractModule {
    private final MemoryConfig memory;
    private final MmCosts mmCosts;
    private final GupCosts gupCosts;
    private final MmGup.GupImpl impl;

    public MmGupModule(MemoryConfig memory, MmCosts mmCosts, GupCosts gupCosts, MmGup.GupImpl impl) {
        this.memory = memory;
        this.mmCosts = mmCosts;
        this.gupCosts = gupCosts;
        this.impl = impl;
    }

    /** Memory from the topology, default costs, folio-batched GUP. */
    public MmGupModule() {
        this(MemoryConfig.defaults(), MmCosts.defaults(), GupCosts.defaults(), MmGup.GupImpl.FOLIO_BATCHED);
    }

    @Provides
    @Singleton
    MmGup mmGup(Kernel kernel) {
        return MmGup.create(kernel, memory, mmCosts, gupCosts, impl);
    }

    @Provides
    PhysicalMemory physicalMemory(MmGup s) {
        return s.physicalMemory();
    }

    @Provides
    Mm mm(MmGup s) {
        return s.mm();
    }

    @Provides
    Gup gup(MmGup s) {
        return s.gup();
    }

    @Provides
    LockedVm lockedVm(MmGup s) {
        return s.lockedVm();
    }

    @Provides
    GupCosts gupCosts() {
        return gupCosts;
    }

    @Provides
    MmCosts mmCosts() {
        return mmCosts;
    }
}
