package org.kemu.vfiotype1.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Topology;
import org.kemu.vfiotype1.IommuCosts;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuProt;

/**
 * {@link DmarMaxAddr}: the line of VT-d's {@code dmar_domain->max_addr}, which 5.14's
 * {@code intel_iommu_map()} reads on every call and raises when a map reaches past it
 * (drivers/iommu/intel/iommu.c). Two nodes of two CPUs: CPUs 0-1 on node 0, 2-3 on node 1; a
 * transfer costs 100 ns within a node and 250 ns between nodes.
 */
class DmarMaxAddrTest {
    private static final long GIB = 1L << 30;

    private static final MachineSpec MACHINE = new MachineSpec("two-nodes", new Topology(2, 2, 1, GIB),
            new MemoryBandwidth(1e11, 1e10), new RuntimeCosts(0, 0, 100, 250, 0));

    private static DmarMaxAddr line() {
        return new DmarMaxAddr(Kernels.simulated(KernelConfig.of(MACHINE, 1)));
    }

    /**
     * Two kthreads on CPUs 0 and 1 each map 64 runs of 63 4 KiB pages into one domain at once, one
     * 256 MiB below the other, with 2 us of other work between runs, as pinning helpers do; returns
     * the line transfers the domain counted.
     */
    private static long twoMappers(KernelVersion v, boolean maxAddrLine) {
        Kernel k = Kernels.simulated(KernelConfig.of(MACHINE, 1, v));
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("vtd0")
                .withCosts(IommuCosts.simple()).withMaxAddrLine(maxAddrLine));
        for (int cpu = 0; cpu < 2; cpu++) {
            long base = cpu * (256L << 20);
            k.spawn(TaskSpec.kthread("mapper" + cpu).withAffinity(CpuMask.of(cpu)), () -> {
                for (int run = 0; run < 64; run++) {
                    long iova = base + run * (64L << 12);
                    d.map(iova, iova, 63L << 12, IommuProt.RW);
                    k.work(2000);
                }
            });
        }
        k.run();
        return d.maxAddrTransfers();
    }

    @Test
    void twoHelpersMappingAtOnceMoveTheLineOnlyWhereTheDriverKeepsIt() {
        long perLeaf = twoMappers(KernelVersion.V5_14, true);
        // 5.14 calls intel_iommu_map once per 4 KiB leaf: the upper mapper writes on every call while
        // the lower one reads on every call
        assertThat(perLeaf).isGreaterThan(64);
        // 5.15's map_pages makes one call per run: at most a transfer or two per overlapping run
        long perRun = twoMappers(KernelVersion.V6_6, true);
        assertThat(perRun).isPositive().isLessThan(perLeaf / 4);
        // AMD-Vi's v1 table keeps no max_addr
        assertThat(twoMappers(KernelVersion.V5_14, false)).isZero();
    }

    @Test
    void aLoneMapperNeverMovesTheLine() {
        // a serial pin: every map raises max_addr from the same CPU, and it reads its own writes
        DmarMaxAddr d = line();
        for (int i = 0; i < 100; i++) {
            DmarMaxAddr.Burst b = d.begin(0, i * 1000L, 500, 63, (i + 1) * (63L << 12));
            assertThat(b.stallNs()).isZero();
        }
        assertThat(d.transfers()).isZero();
    }

    @Test
    void aReaderMissesOnceAfterAnotherCpusWriteAndThenHits() {
        DmarMaxAddr d = line();
        d.begin(0, 0, 1000, 10, 1L << 30);
        // CPU 1 maps below max_addr after CPU 0's burst: its first call fetches the line
        DmarMaxAddr.Burst r = d.begin(1, 2000, 800, 8, 1L << 20);
        assertThat(r.writes).isFalse();
        assertThat(r.misses).isEqualTo(1);
        assertThat(r.stallNs()).isEqualTo(100);
        // nothing was written since: the next burst hits
        assertThat(d.begin(1, 3000, 800, 8, 2L << 20).stallNs()).isZero();
    }

    @Test
    void overlappingAWriterCostsBothSidesOneTransferPerWriteCappedByTheOtherSidesCalls() {
        DmarMaxAddr d = line();
        // CPU 0 writes on each of its 10 calls over [0, 1000): one call per 100 ns
        DmarMaxAddr.Burst w = d.begin(0, 0, 1000, 10, 1L << 30);
        // CPU 1 reads on each of its 8 calls over [500, 1300): the 500 ns of overlap hold 5 writes and
        // 5 reads, so each side pays 5 transfers; the reader also fetches the line first
        DmarMaxAddr.Burst r = d.begin(1, 500, 800, 8, 1L << 20);
        assertThat(w.misses).isEqualTo(5);
        assertThat(w.stallNs()).isEqualTo(500);
        assertThat(r.misses).isEqualTo(6);
        assertThat(r.stallNs()).isEqualTo(600);
        // a reader with 2 calls in a long overlap pays at most one transfer per call
        DmarMaxAddr.Burst shortReader = d.begin(2, 600, 200, 2, 1L << 20);
        assertThat(shortReader.misses).isEqualTo(2);
        assertThat(shortReader.stallNs()).as("CPU 2 is on the other node").isEqualTo(500);
        assertThat(d.transfers()).isEqualTo(5 + 6 + 2 + 2);
    }

    @Test
    void readersShareTheLineForFree() {
        DmarMaxAddr d = line();
        d.begin(0, 0, 100, 1, 1L << 30);
        DmarMaxAddr.Burst a = d.begin(1, 1000, 1000, 10, 1L << 20);
        DmarMaxAddr.Burst b = d.begin(3, 1200, 1000, 10, 2L << 20);
        // each fetches the line once (the write is before both), no overlap cost between them
        assertThat(a.misses).isEqualTo(1);
        assertThat(b.misses).isEqualTo(1);
        assertThat(b.stallNs()).isEqualTo(250);
        assertThat(a.stallNs()).isEqualTo(100);
    }

    @Test
    void aWriterTakesTheLineBackFromItsReaders() {
        DmarMaxAddr d = line();
        d.begin(0, 0, 100, 1, 1L << 30);
        d.begin(1, 200, 100, 1, 1L << 20);
        // CPU 0 raises max_addr again: CPU 1 holds a copy, so the write misses once
        DmarMaxAddr.Burst w = d.begin(0, 400, 100, 1, 2L << 30);
        assertThat(w.writes).isTrue();
        assertThat(w.misses).isEqualTo(1);
    }
}
