package org.kemu.lab.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.Topology;

/**
 * Profiles of the machines the series' experiments name but the calibration inputs do not cover,
 * by one rule (docs/experiments.md, "Derived machine profiles"), applied to every such machine:
 *
 * <ol>
 *   <li>topology (nodes, cores, SMT, memory) from the data sheet / the experiment's setup;</li>
 *   <li>node bandwidth = the base profile's fitted node bandwidth x (this machine's peak DRAM
 *       bandwidth / the base machine's), i.e. the fitted fraction of peak is a property of the memory
 *       controller generation and carries over;</li>
 *   <li>per-core bandwidth (what one core clears) = the base's fitted value x (base clock / the base
 *       machine's base clock): a core's streaming store rate scales with its clock;</li>
 *   <li>every other cost (per page, per fault, per lock, per IOMMU PTE) is the base's fitted or
 *       assumed value unchanged: these are not clock-scaled, a stated approximation.</li>
 * </ol>
 *
 * The base is the calibrated machine of the nearest microarchitecture: intel-8167m (Skylake-SP) for
 * Intel parts, amd-7j13 (Milan) for AMD parts.
 */
public final class DerivedProfiles {
    private static final long GIB = 1L << 30;

    /** The calibrated machines' own facts, for the ratios (docs/calibration-inputs.md "Machines", vendor data sheets). */
    static final Map<String, HardwareFacts> CALIBRATED = Map.of(
            "intel-8167m", new HardwareFacts("intel-8167m", "Xeon Platinum 8167M", 2, 26, 2, 384 * GIB, "intel-8167m",
                    2.0, 6, 2666, "docs/calibration-inputs.md Machines: 6 x DDR4-2666 per socket, 2.00 GHz"),
            "amd-7j13", new HardwareFacts("amd-7j13", "EPYC 7J13", 2, 64, 2, 1024 * GIB, "amd-7j13", 2.5, 8, 3200,
                    "docs/calibration-inputs.md Machines: 8 x DDR4-3200 per socket, 2.50 GHz"));

    /** The machines of the experiments' setups (docs/calibration-inputs.md "Experiments with a public setup"). */
    public static final List<HardwareFacts> MACHINES = List.of(
            new HardwareFacts("intel-8160", "Intel Xeon Platinum 8160 (Skylake-SP), 2 x 24 x 2, 2.10 GHz, 754 GiB",
                    2, 24, 2, 377 * GIB, "intel-8167m", 2.1, 6, 2666,
                    "ark.intel.com Xeon Platinum 8160: 24 cores, 2.10 GHz base, 6 channels DDR4-2666"),
            new HardwareFacts("intel-e5-2699cv4-vm", "Intel Xeon E5-2699C v4 (Broadwell) KVM guest, 1 x 16 x 2, 192 GiB",
                    1, 16, 2, 192 * GIB, "intel-8167m", 2.2, 4, 2400,
                    "ark.intel.com E5-2699 v4 family: 2.20 GHz base, 4 channels DDR4-2400"),
            new HardwareFacts("intel-e5-2699v3", "Intel Xeon E5-2699 v3 (Haswell) bare metal, 2 x 18 x 2, 128 GiB per node",
                    2, 18, 2, 128 * GIB, "intel-8167m", 2.3, 4, 2133,
                    "ark.intel.com E5-2699 v3: 18 cores, 2.30 GHz base, 4 channels DDR4-2133"),
            new HardwareFacts("intel-e5-2699v3-vm4", "Intel Xeon E5-2699 v3 KVM guest, 4 CPUs (1 x 2 x 2), 14 GiB",
                    1, 2, 2, 14 * GIB, "intel-8167m", 2.3, 4, 2133,
                    "ark.intel.com E5-2699 v3: 2.30 GHz base, 4 channels DDR4-2133"),
            new HardwareFacts("amd-7551-vm", "AMD EPYC 7551 (Zen) KVM guest, 1 x 8 x 2, 64 GiB",
                    1, 8, 2, 64 * GIB, "amd-7j13", 2.0, 8, 2666,
                    "amd.com EPYC 7551: 2.00 GHz base, 8 channels DDR4-2666"),
            new HardwareFacts("amd-7551-vm4", "AMD EPYC 7551 KVM guest, 4 CPUs (1 x 2 x 2), 16 GiB",
                    1, 2, 2, 16 * GIB, "amd-7j13", 2.0, 8, 2666,
                    "amd.com EPYC 7551: 2.00 GHz base, 8 channels DDR4-2666"),
            // hugetlb boot init 2024 (Gang Li's cover letter names machines by CPUs, nodes and memory only;
            // the parts are our assumptions, docs/experiments.md)
            new HardwareFacts("amd-milan-256c-2t-nps2", "256 CPUs, 2 TiB, 4 nodes: assumed 2 x AMD EPYC 7J13-class"
                    + " Milan (64 cores, 2.50 GHz) in NPS2, 4 x 32 x 2, 512 GiB per node", 4, 32, 2, 512 * GIB,
                    "amd-7j13", 2.5, 4, 3200,
                    "amd.com EPYC 7J13/7713: 64 cores, 8 channels DDR4-3200 per socket, NPS2 gives a node 4 of them; Zen 3: an 8-core CCX shares one L3", 8),
            new HardwareFacts("amd-7543-128c-1t", "128 CPUs, 1 TiB, 2 nodes: assumed 2 x AMD EPYC 7543 (Milan),"
                    + " 2 x 32 x 2, 512 GiB per node", 2, 32, 2, 512 * GIB, "amd-7j13", 2.8, 8, 3200,
                    "amd.com EPYC 7543: 32 cores, 2.80 GHz base, 8 channels DDR4-3200; Zen 3: an 8-core CCX shares one L3", 8),
            new HardwareFacts("amd-7543-256g", "256 GiB, 2 nodes: assumed the 128-CPU EPYC 7543 platform,"
                    + " 2 x 32 x 2, 128 GiB per node", 2, 32, 2, 128 * GIB, "amd-7j13", 2.8, 8, 3200,
                    "amd.com EPYC 7543: 32 cores, 2.80 GHz base, 8 channels DDR4-3200; Zen 3: an 8-core CCX shares one L3", 8),
            new HardwareFacts("amd-7543-50g", "50 GiB, 2 nodes: assumed the 128-CPU EPYC 7543 platform,"
                    + " 2 x 32 x 2, 25 GiB per node", 2, 32, 2, 25 * GIB, "amd-7j13", 2.8, 8, 3200,
                    "amd.com EPYC 7543: 32 cores, 2.80 GHz base, 8 channels DDR4-3200; Zen 3: an 8-core CCX shares one L3", 8),
            new HardwareFacts("intel-8280l-12t", "12 TiB Intel host: assumed 8 x Xeon Platinum 8280L (Cascade Lake),"
                    + " 8 x 28 x 2, 1.5 TiB per node", 8, 28, 2, 1536 * GIB, "intel-8167m", 2.7, 6, 2933,
                    "ark.intel.com Xeon Platinum 8280L: 28 cores, 2.70 GHz base, 6 channels DDR4-2933, 8 sockets"),
            // hugetlb boot thread count 2025 (Thomas Prescher names "skylake 144 cpus" and "cascade lake 192
            // cpus"; the parts and memory are our assumptions, docs/experiments.md)
            new HardwareFacts("intel-6140-144c", "144-CPU Skylake: assumed 4 x Xeon Gold 6140, 4 x 18 x 2,"
                    + " 384 GiB per node", 4, 18, 2, 384 * GIB, "intel-8167m", 2.3, 6, 2666,
                    "ark.intel.com Xeon Gold 6140: 18 cores, 2.30 GHz base, 6 channels DDR4-2666, 4 sockets"),
            new HardwareFacts("intel-8260-192c", "192-CPU Cascade Lake: assumed 4 x Xeon Platinum 8260, 4 x 24 x 2,"
                    + " 384 GiB per node", 4, 24, 2, 384 * GIB, "intel-8167m", 2.4, 6, 2933,
                    "ark.intel.com Xeon Platinum 8260: 24 cores, 2.40 GHz base, 6 channels DDR4-2933, 4 sockets"));

    private DerivedProfiles() {
    }

    /** A built-in profile, a derived one by name, or a profile file. */
    public static MachineProfile load(String name) {
        for (HardwareFacts f : MACHINES) {
            if (f.name().equals(name)) {
                return derive(f);
            }
        }
        return Profiles.load(name);
    }

    /** The rule of the class comment applied to {@code f}. */
    public static MachineProfile derive(HardwareFacts f) {
        HardwareFacts b = CALIBRATED.get(f.base());
        KernelException.require(b != null, Errno.EINVAL, "derived_profile:base", "no calibrated base " + f.base());
        MachineProfile base = Profiles.builtIn(f.base());
        MemoryBandwidth bw = new MemoryBandwidth(
                base.bandwidth().nodeBytesPerSec() * f.peakNodeBytesPerSec() / b.peakNodeBytesPerSec(),
                base.bandwidth().perCoreBytesPerSec() * f.baseClockGhz() / b.baseClockGhz());
        Map<String, String> sources = new LinkedHashMap<>(base.sources());
        sources.put("topology", f.source());
        sources.put("bandwidth.nodeBytesPerSec", "derived: " + base.name() + "'s fit x peak DRAM ratio ("
                + f.channels() + " x DDR-" + f.mtPerSec() + " vs " + b.channels() + " x DDR-" + b.mtPerSec() + ")");
        sources.put("bandwidth.perCoreBytesPerSec", "derived: " + base.name() + "'s fit x clock ratio ("
                + f.baseClockGhz() + " / " + b.baseClockGhz() + " GHz)");
        return new MachineProfile(f.name(), f.description() + " (derived from " + base.name()
                + ", docs/experiments.md)", new Topology(f.nodes(), f.coresPerNode(), f.threadsPerCore(),
                f.memoryPerNodeBytes(), f.coresPerLlc()), bw, base.runtime(), base.mm(), base.gup(), base.padata(), base.iommu(),
                base.vfio(), base.qemu(), base.idle(), base.iommuDriver(), sources);
    }
}
