package org.kemu.lab;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.MmCosts;
import org.kemu.padatacore.PadataCosts;
import org.kemu.schedfair.CpuIdleDriver;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Topology;
import org.kemu.vfiotype1.IommuCosts;
import org.kemu.vfiotype1.Type1Costs;

/**
 * A machine profile: topology, memory bandwidth, every cost parameter of every subsystem and the
 * CPUs' cpuidle states, with
 * where each value comes from ({@code sources}, keyed "group.parameter"). {@code iommuDriver} names the
 * platform's IOMMU driver, {@link #INTEL_IOMMU} or {@link #AMD_IOMMU}, whose behaviour the VFIO domain
 * follows where the two differ.
 */
public record MachineProfile(String name, String description, Topology topology, MemoryBandwidth bandwidth,
        RuntimeCosts runtime, MmCosts mm, GupCosts gup, PadataCosts padata, IommuCosts iommu, Type1Costs vfio,
        QemuCosts qemu, CpuIdleDriver idle, String iommuDriver, Map<String, String> sources) {
    /** drivers/iommu/intel (VT-d). */
    public static final String INTEL_IOMMU = "intel-iommu";
    /** drivers/iommu/amd (AMD-Vi). */
    public static final String AMD_IOMMU = "amd-iommu";

    public MachineProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(bandwidth, "bandwidth");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(mm, "mm");
        Objects.requireNonNull(gup, "gup");
        Objects.requireNonNull(padata, "padata");
        Objects.requireNonNull(iommu, "iommu");
        Objects.requireNonNull(vfio, "vfio");
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(idle, "idle");
        if (!INTEL_IOMMU.equals(iommuDriver) && !AMD_IOMMU.equals(iommuDriver)) {
            throw new IllegalArgumentException("iommuDriver is " + INTEL_IOMMU + " or " + AMD_IOMMU + ", not "
                    + iommuDriver);
        }
        sources = Map.copyOf(new TreeMap<>(sources));
    }

    /**
     * A profile of {@code machine} with no calibration: mm-gup's default mm and GUP costs, and free
     * padata, IOMMU, type1 and qemu costs, and a VT-d IOMMU. For tests and plugin jobs that name
     * their own costs.
     */
    public static MachineProfile of(MachineSpec machine) {
        return new MachineProfile(machine.name(), "uncalibrated: " + machine.name(), machine.topology(),
                machine.bandwidth(), machine.costs(), MmCosts.defaults(), GupCosts.defaults(), PadataCosts.FREE,
                IommuCosts.FREE, Type1Costs.FREE, QemuCosts.FREE, machine.idle(), INTEL_IOMMU, Map.of());
    }

    public MachineSpec machineSpec() {
        return new MachineSpec(name, topology, bandwidth, runtime, idle);
    }

    public String sourceOf(String key) {
        return sources.getOrDefault(key, "unspecified");
    }
}
