package org.kemu.vfiotype1.bench;

import java.util.concurrent.TimeUnit;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.IommuCosts;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuGather;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.PageSizes;
import org.kemu.vfiotype1.iommu.IommuDomains;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Wall time of the emulated IOMMU layer for a 128 GiB guest on the simulated backend: one iommu_map
 * per physically contiguous run of {@code runBytes}, then unmap by run with a gather synced every
 * 512 regions (type1's pattern). Returns the virtual time so the work is not optimised away.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
public class IommuMapBenchmark {
    /** 2 MiB runs (hugetlb, discontiguous between huge pages) or 64 KiB runs (fragmented 4 KiB guest). */
    @Param({"2097152", "65536"})
    public long runBytes;

    @Benchmark
    public long map128GiBThenUnmap() {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(2), 1));
        IommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("bench").withCosts(IommuCosts.simple()));
        long size = 128L << 30;
        k.spawn(TaskSpec.kthread("qemu"), () -> {
            for (long off = 0; off < size; off += runBytes) {
                // PA displaced by one run per run, so no two runs are physically contiguous
                d.map(off, 2 * off + (1L << 40), runBytes, IommuProt.RW);
            }
            IommuGather g = new IommuGather();
            int regions = 0;
            for (long off = 0; off < size; off += runBytes) {
                d.unmapFast(off, runBytes, g);
                if (++regions == 512) {
                    d.iotlbSync(g);
                    regions = 0;
                }
            }
            d.iotlbSync(g);
            if (!d.isEmpty() || d.mappedPtes(PageSizes.SZ_4K) != 0) {
                throw new IllegalStateException("not empty");
            }
        });
        k.run();
        return k.now();
    }
}
