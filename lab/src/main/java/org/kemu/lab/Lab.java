package org.kemu.lab;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import com.google.inject.util.Modules;
import org.kemu.lab.workload.GuestInit;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.schedfair.Kernel;

/**
 * A booted emulated machine: the injector of {@link LabModule} with the caller's overrides. One
 * {@code Lab} is one kernel; boot another for another run.
 */
public final class Lab {
    private final Injector injector;

    private Lab(Injector injector) {
        this.injector = injector;
    }

    /** Boots a kernel from {@code profile}; {@code overrides} replace any binding of {@link LabModule}. */
    public static Lab boot(MachineProfile profile, LabConfig config, MemoryConfig memory, Module... overrides) {
        var observation = org.kemu.lab.trace.RunObservation.current();
        Module[] all = observation.map(o -> o.overrides(overrides)).orElse(overrides);
        Lab lab = new Lab(Guice.createInjector(Stage.PRODUCTION,
                Modules.override(new LabModule(profile, config, memory)).with(all)));
        observation.ifPresent(o -> o.booted(lab));
        return lab;
    }

    /** Boots a kernel sized for {@code guest} (its hugetlb pool reserved at boot) and runs its init. */
    public static GuestInitResult guestInit(MachineProfile profile, LabConfig config, GuestSpec guest,
            Module... overrides) {
        Lab lab = boot(profile, config, GuestInit.memoryFor(profile, guest), overrides);
        return new GuestInit(lab, guest).run();
    }

    public <T> T get(Class<T> type) {
        return injector.getInstance(type);
    }

    public Kernel kernel() {
        return get(Kernel.class);
    }

    public MachineProfile profile() {
        return get(MachineProfile.class);
    }

    public LabConfig config() {
        return get(LabConfig.class);
    }
}
