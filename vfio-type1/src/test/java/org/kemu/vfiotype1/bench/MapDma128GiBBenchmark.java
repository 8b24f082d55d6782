package org.kemu.vfiotype1.bench;

import java.util.List;
import java.util.Locale;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Topology;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuCosts;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.Type1Stats;

/**
 * Simulated MAP_DMA of a hugetlb-backed guest (128 GiB by default) on a machine shaped like the
 * intel-8167m (2 nodes x 26 cores x 2 SMT = 104 CPUs, 384 GiB per node), serial against padata with
 * 16 threads (and the folio-batched forms): virtual time of MAP_DMA and UNMAP_DMA, and the wall time
 * the emulation took. A plain main, not run by surefire.
 *
 * <p>All costs are PLACEHOLDERS of plausible magnitude (mm-gup and padata defaults, IommuCosts.simple,
 * Type1Costs.placeholder, 100 GB/s per node and 12 GB/s per core, 2 us kthread creation): the lab
 * calibrates real ones from docs/calibration-inputs.md. Only the shapes (ratios) mean anything here.
 *
 * <p>Usage: {@code MapDma128GiBBenchmark [guestGiB=128] [prefault=false]}: with prefault the guest is
 * populated before MAP_DMA (pinning only), without it GUP faults and clears the huge pages inside
 * MAP_DMA, as for a guest started without -mem-prealloc.
 */
public final class MapDma128GiBBenchmark {
    private MapDma128GiBBenchmark() {
    }

    static MachineSpec intel8167mLike() {
        return new MachineSpec("intel-8167m-like (placeholder costs)", new Topology(2, 26, 2, 384L << 30),
                new MemoryBandwidth(100e9, 12e9), new RuntimeCosts(1_500, 20, 50, 150, 2_000));
    }

    record Result(String label, long mapNs, long unmapNs, long wallNs, Type1Stats stats) {
    }

    static Result run(PinConfig pin, long guestGib, boolean prefault) {
        long wall0 = System.nanoTime();
        Kernel k = Kernels.simulated(KernelConfig.of(intel8167mLike(), 1));
        long hugePerNode = (guestGib << 30) / MmConstants.PMD_SIZE / 2 + 16;
        MmGup sys = MmGup.create(k, MemoryConfig.defaults().withBootHugepages(hugePerNode, 0), MmCosts.defaults(),
                GupCosts.defaults());
        Padata padata = new DefaultPadataFactory(PadataFeatures.rfc2022(), PadataCosts.FREE).forKernel(k);
        Type1Container c = Type1Container.open(k, sys, padata, Type1Params.defaults(), pin, Type1Costs.placeholder());
        MmStruct qemu = sys.addressSpaces().mmCreate("qemu", Long.MAX_VALUE, false);
        long size = guestGib << 30;
        long[] t = new long[2];
        k.spawn(TaskSpec.user("qemu", 1), () -> {
            c.attachDomain(IommuDomainSpec.vtd("vtd0").withCosts(IommuCosts.simple()));
            long va = sys.addressSpaces().mmap(qemu, 0, size, VmaKind.HUGETLB_2M, true);
            if (prefault) {
                sys.addressSpaces().populate(qemu, va, size, true);
            }
            long t0 = k.now();
            c.mapDma(DmaMapRequest.rw(va, 1L << 40, size));
            t[0] = k.now() - t0;
            List<String> bad = c.checkInvariants();
            if (!bad.isEmpty()) {
                throw new IllegalStateException(bad.toString());
            }
            long t1 = k.now();
            c.unmapDma(DmaUnmapRequest.all());
            t[1] = k.now() - t1;
        }).attach(MmStruct.class, qemu);
        k.run();
        Type1Stats s = c.stats();
        return new Result(pin.label(), t[0], t[1], System.nanoTime() - wall0, s);
    }

    public static void main(String[] args) {
        long gib = args.length > 0 ? Long.parseLong(args[0]) : 128;
        boolean prefault = args.length > 1 && Boolean.parseBoolean(args[1]);
        List<PinConfig> pins = List.of(PinConfig.serial(), PinConfig.padata(16), PinConfig.folioBatched(),
                PinConfig.padata(16).withGup(GupFlavour.FOLIO_BATCHED));
        System.out.printf(Locale.ROOT, "MAP_DMA of a %d GiB hugetlb (2 MiB) guest, %s, prefault=%s%n", gib,
                intel8167mLike().name(), prefault);
        for (PinConfig p : pins) {
            Result r = run(p, gib, prefault);
            System.out.printf(Locale.ROOT,
                    "%-32s MAP_DMA %9.3f ms virtual   UNMAP_DMA %9.3f ms virtual   wall %6.2f s   runs %d, refills %d, "
                            + "lock_acct %d, chunks %d, IOMMU leaves written %s%n",
                    r.label(), r.mapNs() / 1e6, r.unmapNs() / 1e6, r.wallNs() / 1e9, r.stats().runs(),
                    r.stats().batchRefills(), r.stats().lockAcctCalls(), r.stats().padataChunks(),
                    r.stats().domains().stream().map(d -> d.ptesWritten()).toList());
        }
    }
}
