package org.kemu.lab;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.mm.DefaultLockedVm;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFactory;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.BandwidthPolicy;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.ThrottleModel;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.Type1ContainerFactory;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.OverflowChecks;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.iommu.IommuDomains;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.type1.DefaultType1Containers;

/**
 * The composition root: one emulated kernel per injector, built from a machine profile and a run
 * configuration, with mm-gup, padata-core and vfio-type1 on top. Every boot path (CLI, {@link Lab},
 * the plugin host and its test kit) goes through here. Every subsystem choice is one binding that
 * {@code Modules.override} can replace, and each is consumed only through that binding:
 * {@link KernelVersion}, {@link PickPolicy}, {@link ThrottleModel}, {@link BandwidthPolicy}, {@link PadataFeatures},
 * {@link PinConfig} (how MAP_DMA pins, the GUP flavour included), {@link IommuDomainFactory},
 * {@link IommuDomainSpec}, {@link Type1ContainerFactory}, {@link LockedVm}; docs/bindings-table.md
 * lists them with examples. {@link LabConfig} is assembled from the bound parts, never bound itself.
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
        bind(MemoryConfig.class).toInstance(memory);
        bind(IommuDomainFactory.class).to(IommuDomains.class);
    }

    @Provides
    KernelVersion kernelVersion() {
        return config.kernelVersion();
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
        return config.throttleModel();
    }

    /** The configuration in effect: the seed, and each part as bound (overrides included). */
    @Provides
    LabConfig effectiveConfig(KernelVersion version, PickPolicy pick, ThrottleModel throttle,
            BandwidthPolicy bandwidth, PadataFeatures padata, PinConfig pin) {
        return new LabConfig(config.seed(), version, pick, throttle, bandwidth, padata, pin, config.limits());
    }

    /**
     * HZ is KernelConfig.DEFAULT_HZ: the published profiles' kernels' CONFIG_HZ is not known. The run
     * starts at a point of its jiffy drawn from the seed (KernelConfig.withSeededTickOffset): where a
     * real run starts relative to the tick is chance, and the threaded pins' lock waits depend on it
     * (docs/prediction-gaps.md, section 3), so each seed is one draw of it.
     */
    @Provides
    @Singleton
    Kernel kernel(KernelVersion version, PickPolicy pick, BandwidthPolicy bandwidth, ThrottleModel throttle) {
        RunLimits limits = config.limits();
        return Kernels.simulated(new KernelConfig(profile.machineSpec(), config.seed(), pick, limits.maxVirtualNs(),
                throttle, bandwidth, version, KernelConfig.DEFAULT_HZ, limits.maxWallNs(), 0).withSeededTickOffset());
    }

    @Provides
    @Singleton
    MmGup mmGup(Kernel kernel, MmCosts mmCosts, GupCosts gupCosts, LockedVm lockedVm) {
        return MmGup.create(kernel, memory, mmCosts, gupCosts, lockedVm);
    }

    @Provides
    MmCosts mmCosts() {
        return profile.mm();
    }

    @Provides
    GupCosts gupCosts() {
        return profile.gup();
    }

    @Provides
    PhysicalMemory physicalMemory(MmGup s) {
        return s.physicalMemory();
    }

    @Provides
    AddressSpaces addressSpaces(MmGup s) {
        return s.addressSpaces();
    }

    @Provides
    Gup gup(MmGup s, PinConfig pin) {
        return s.gup(pin.gup());
    }

    /** The locked_vm model; mm-gup, the pin path and the invariant checks all use this one. */
    @Provides
    @Singleton
    LockedVm lockedVm(Kernel kernel) {
        return new DefaultLockedVm(kernel);
    }

    @Provides
    @Singleton
    Type1ContainerFactory containers(IommuDomainFactory domains) {
        return new DefaultType1Containers(domains);
    }

    @Provides
    Type1Costs type1Costs() {
        return profile.vfio();
    }

    @Provides
    PinConfig pinConfig() {
        return config.pin();
    }

    @Provides
    PadataFeatures padataFeatures() {
        return config.padataFeatures();
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

    /**
     * The VFIO domain: x86 page sizes and policies on both platforms; only VT-d keeps the shared
     * {@code dmar_domain->max_addr} (AMD-Vi's {@code iommu_v1_map_page} writes nothing shared on a
     * fresh map).
     */
    @Provides
    IommuDomainSpec iommuDomainSpec() {
        return IommuDomainSpec.vtd("vfio-domain").withCosts(profile.iommu())
                .withMaxAddrLine(MachineProfile.INTEL_IOMMU.equals(profile.iommuDriver()));
    }

    /** Type1's module defaults, with the overflow-check generation of the kernel version. */
    @Provides
    Type1Params type1Params(KernelVersion version) {
        return Type1Params.defaults().withOverflowChecks(
                version.type1OverflowChecks() ? OverflowChecks.CHECK_OVERFLOW : OverflowChecks.LEGACY);
    }

    @Provides
    QemuCosts qemuCosts() {
        return profile.qemu();
    }
}
