package org.kemu.pluginapi;

import java.util.Objects;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmGup;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFactory;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;

/**
 * One booted kernel with the services plugins use. The lab builds these from a machine profile
 * through its Guice composition root; {@link #boot} is the plain-Java way for tests and
 * {@link PluginRunner}.
 */
@Stable
public record KernelServices(Kernel kernel, MmGup memory, MmCosts mmCosts, PadataFeatures padataFeatures,
        PadataCosts padataCosts) {

    public KernelServices {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(mmCosts, "mmCosts");
        Objects.requireNonNull(padataFeatures, "padataFeatures");
        Objects.requireNonNull(padataCosts, "padataCosts");
    }

    /**
     * How to boot a kernel for plugins.
     *
     * @param padataFeatures defaults to mainline padata: the plugins emulate mainline callers
     */
    public record BootSpec(MachineSpec machine, long seed, MemoryConfig memory, MmCosts mmCosts,
            PadataFeatures padataFeatures, PadataCosts padataCosts) {
        public BootSpec {
            Objects.requireNonNull(machine, "machine");
            Objects.requireNonNull(memory, "memory");
            Objects.requireNonNull(mmCosts, "mmCosts");
            Objects.requireNonNull(padataFeatures, "padataFeatures");
            Objects.requireNonNull(padataCosts, "padataCosts");
        }

        public static BootSpec of(MachineSpec machine, long seed) {
            return new BootSpec(machine, seed, MemoryConfig.defaults(), MmCosts.defaults(), PadataFeatures.mainline(),
                    PadataCosts.FREE);
        }

        public BootSpec withMemory(MemoryConfig m) {
            return new BootSpec(machine, seed, m, mmCosts, padataFeatures, padataCosts);
        }

        public BootSpec withMmCosts(MmCosts c) {
            return new BootSpec(machine, seed, memory, c, padataFeatures, padataCosts);
        }

        public BootSpec withPadataFeatures(PadataFeatures f) {
            return new BootSpec(machine, seed, memory, mmCosts, f, padataCosts);
        }

        public BootSpec withPadataCosts(PadataCosts c) {
            return new BootSpec(machine, seed, memory, mmCosts, padataFeatures, c);
        }
    }

    /** Boots a simulated kernel with its memory subsystem (folio-batched GUP, default GUP costs). */
    public static KernelServices boot(BootSpec spec) {
        Kernel k = Kernels.simulated(KernelConfig.of(spec.machine(), spec.seed()));
        return of(k, spec);
    }

    /** Wraps an existing kernel (simulated or hosted) with memory and padata built from {@code spec}. */
    public static KernelServices of(Kernel kernel, BootSpec spec) {
        MmGup mm = MmGup.create(kernel, spec.memory(), spec.mmCosts(), GupCosts.defaults());
        return new KernelServices(kernel, mm, spec.mmCosts(), spec.padataFeatures(), spec.padataCosts());
    }

    /** A padata factory with {@code features}; every factory of one kernel shares its globals. */
    public PadataFactory padataFactory(PadataFeatures features) {
        return new DefaultPadataFactory(features, padataCosts);
    }
}
