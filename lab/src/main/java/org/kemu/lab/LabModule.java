package org.kemu.lab;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import org.kemu.lab.pin.Type1PinPathAdapter;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.Mm;
import org.kemu.mmgup.MmGupModule;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFactory;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.BandwidthPolicy;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.ThrottleModel;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.VfioType1Module;

/**
 * The composition root: one emulated kernel per injector, built from a machine profile and a run
 * configuration, with mm-gup, padata-core and vfio-type1 on top. Every subsystem choice is a binding
 * that {@code Modules.override} can replace: {@link PickPolicy}, {@link BandwidthPolicy},
 * {@link ThrottleModel}, {@link Gup}, {@link PadataFeatures}, {@link PinConfig} (the pin mode),
 * {@link IommuDomainSpec} and {@link IommuDomainFactory} (the IOMMU domain), {@link PinPathAdapter}.
 */
public final class LabModule extends AbstractModule {
    private final MachineProfile profile;
    private final LabConfig config;
    private final MemoryConfig memory;

    public LabModule(MachineProfile profile, LabConfig config, MemoryConfig memory) {
        this.profile = profile;
        this.config = config;
        this.memory = memory;
    }

    @Override
    protected void configure() {
        binder().requireExplicitBindings();
        bind(MachineProfile.class).toInstance(profile);
        bind(LabConfig.class).toInstance(config);
        install(new MmGupModule(memory, profile.mm(), profile.gup(), config.pin().mode().gupImpl()));
        install(new VfioType1Module());
    }

    @Provides
    PickPolicy pickPolicy() {
        return config.pickPolicy();
    }

    @Provides
    BandwidthPolicy bandwidthPolicy() {
        return config.bandwidthPolicy();
    }

    @Provides
    ThrottleModel throttleModel() {
        return ThrottleModel.CFS_RQ;
    }

    @Provides
    @Singleton
    Kernel kernel(PickPolicy pick, BandwidthPolicy bandwidth, ThrottleModel throttle) {
        return Kernels.simulated(new KernelConfig(profile.machineSpec(), config.seed(), pick, 0, throttle, bandwidth));
    }

    @Provides
    PinConfig pinConfig() {
        return config.pin();
    }

    @Provides
    PadataFeatures padataFeatures() {
        return PadataFeatures.rfc2022();
    }

    @Provides
    PadataCosts padataCosts() {
        return profile.padata();
    }

    @Provides
    @Singleton
    PadataFactory padataFactory(PadataFeatures features, PadataCosts costs) {
        return new DefaultPadataFactory(features, costs);
    }

    @Provides
    IommuDomainSpec iommuDomainSpec() {
        return IommuDomainSpec.vtd("vfio-domain").withCosts(profile.iommu());
    }

    @Provides
    VfioPinCosts vfioPinCosts() {
        return profile.vfio();
    }

    @Provides
    QemuCosts qemuCosts() {
        return profile.qemu();
    }

    @Provides
    @Singleton
    PinPathAdapter pinPathAdapter(Kernel kernel, Mm mm, Gup gup, LockedVm lockedVm, PhysicalMemory pm,
            PadataFactory padata, IommuDomainFactory domains, IommuDomainSpec spec, VfioPinCosts costs) {
        return new Type1PinPathAdapter(kernel, mm, gup, lockedVm, pm, padata, domains, spec, costs);
    }
}
