package org.kemu.lab;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.Stage;
import com.google.inject.spi.Message;
import java.util.Collection;
import com.google.inject.util.Modules;
import org.kemu.lab.trace.ObservedDomains;
import org.kemu.lab.trace.RunObserver;
import org.kemu.lab.workload.GuestInit;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.schedfair.Kernel;

/**
 * A booted emulated machine: the injector of {@link LabModule} with the caller's overrides. One
 * {@code Lab} is one kernel; boot another for another run. The one boot path: the CLI, researchers'
 * code, the plugin host and the plugin test kit all boot here.
 */
public final class Lab {
    private final Injector injector;

    private Lab(Injector injector) {
        this.injector = injector;
    }

    /** Boots a kernel from {@code profile}; {@code overrides} replace any binding of {@link LabModule}. */
    public static Lab boot(MachineProfile profile, LabConfig config, MemoryConfig memory, Module... overrides) {
        return boot(profile, config, memory, RunObserver.NONE, overrides);
    }

    /** {@link #boot(MachineProfile, LabConfig, MemoryConfig, Module...)} seen by {@code observer} (trace, metrics). */
    public static Lab boot(MachineProfile profile, LabConfig config, MemoryConfig memory, RunObserver observer,
            Module... overrides) {
        Module root = Modules.override(new LabModule(profile, config, memory)).with(overrides);
        Lab lab;
        try {
            lab = new Lab(Guice.createInjector(Stage.PRODUCTION, ObservedDomains.around(root, observer)));
        } catch (CreationException e) {
            throw bootFailure(e, e.getErrorMessages());
        } catch (ProvisionException e) {
            throw bootFailure(e, e.getErrorMessages());
        }
        observer.booted(lab);
        return lab;
    }

    /**
     * The error a subsystem raised while the machine was built (a KernelException such as mm-gup's
     * "at most 16 TiB of RAM"), as it was raised, rather than wrapped in Guice's report of it (which
     * lists it once per binding that needed it); a genuine wiring error is rethrown as Guice gave it.
     */
    private static RuntimeException bootFailure(RuntimeException guice, Collection<Message> messages) {
        for (Message m : messages) {
            if (m.getCause() instanceof RuntimeException cause) {
                return cause;
            }
        }
        return guice;
    }

    /** Boots a kernel sized for {@code guest} (its hugetlb pool reserved at boot) and runs its init. */
    public static GuestInitResult guestInit(MachineProfile profile, LabConfig config, GuestSpec guest,
            Module... overrides) {
        return guestInit(profile, config, guest, RunObserver.NONE, overrides);
    }

    /** {@link #guestInit(MachineProfile, LabConfig, GuestSpec, Module...)} seen by {@code observer}. */
    public static GuestInitResult guestInit(MachineProfile profile, LabConfig config, GuestSpec guest,
            RunObserver observer, Module... overrides) {
        Lab lab = boot(profile, config, GuestInit.memoryFor(profile, guest), observer, overrides);
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

    /** The memory layout the machine was booted with. */
    public MemoryConfig memory() {
        return get(MemoryConfig.class);
    }

    /** The configuration in effect: the one booted with, with every overridden part as overridden. */
    public LabConfig config() {
        return get(LabConfig.class);
    }
}
