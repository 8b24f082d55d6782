package org.kemu.vfiotype1.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kemu.vfiotype1.PageSizes.SZ_1G;
import static org.kemu.vfiotype1.PageSizes.SZ_2M;
import static org.kemu.vfiotype1.PageSizes.SZ_4K;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DomainLockKind;
import org.kemu.vfiotype1.InKernel;
import org.kemu.vfiotype1.IommuCosts;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuGather;
import org.kemu.vfiotype1.IommuMapping;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.PartialUnmap;

class PagingIommuDomainTest {
    private static final IommuProt RW = IommuProt.RW.with(IommuProt.CACHE);

    private static KernelException errnoOf(Runnable r) {
        try {
            r.run();
        } catch (KernelException e) {
            return e;
        }
        throw new AssertionError("no KernelException");
    }

    /**
     * A 128 GiB hugetlb guest on a 4K|2M domain is 65536 2 MiB leaves stored as one run; unmapping it
     * leaves an empty table (docs/kernel/vfio-gup.md section 5: leaves only where IOVA and PA allow; compact storage).
     */
    @Test
    void hugeMapUses2MLeavesCompactlyAndUnmapsToEmpty() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k,
                IommuDomainSpec.vtd("d").withPgsizeBitmap(SZ_4K | SZ_2M));
        long size = 128L * SZ_1G;
        InKernel.run(k, () -> {
            d.map(0x1_0000_0000L, 0x40_0000_0000L, size, RW);
            assertThat(d.mappedPtes(SZ_2M)).isEqualTo(65536);
            assertThat(d.mappedPtes(SZ_4K)).isZero();
            assertThat(d.storedRuns()).isEqualTo(1);
            assertThat(d.iovaToPhys(0x1_0000_0000L + 5 * SZ_2M + 123)).isEqualTo(0x40_0000_0000L + 5 * SZ_2M + 123);
            assertThat(d.unmap(0x1_0000_0000L, size)).isEqualTo(size);
            assertThat(d.isEmpty()).isTrue();
            assertThat(d.pteCounts()).isEmpty();
            assertThat(d.iovaToPhys(0x1_0000_0000L)).isZero();
        });
    }

    /** With 1 GiB in the bitmap and both addresses 1 GiB-aligned the same guest takes 128 leaves. */
    @Test
    void oneGigLeavesWhereBothAddressesAllow() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d"));
        InKernel.run(k, () -> {
            d.map(SZ_1G, 4 * SZ_1G, 128 * SZ_1G, RW);
            assertThat(d.pteCounts()).isEqualTo(Map.of(SZ_1G, 128L));
            // a 2M-aligned IOVA against a 1G-aligned PA: 2M leaves up to the next 1G boundary, then 1G
            d.map(200 * SZ_1G + SZ_2M, 300 * SZ_1G + SZ_2M, 2 * SZ_1G, RW);
            assertThat(d.mappedPtes(SZ_2M)).isEqualTo(511 + 1);
            assertThat(d.mappedPtes(SZ_1G)).isEqualTo(128 + 1);
        });
    }

    /** A 4 KiB IOVA offset forces 4 KiB leaves even over 2 MiB-aligned memory (docs/kernel/vfio-gup.md section 5). */
    @Test
    void misalignedIovaForces4KLeaves() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d"));
        InKernel.run(k, () -> {
            d.map(SZ_2M + SZ_4K, 64 * SZ_2M, 16 * SZ_2M, RW);
            assertThat(d.pteCounts()).isEqualTo(Map.of(SZ_4K, 16L * 512));
            assertThat(d.unmap(SZ_2M + SZ_4K, 16 * SZ_2M)).isEqualTo(16 * SZ_2M);
            assertThat(d.isEmpty()).isTrue();
        });
    }

    /** __iommu_map: iova | paddr | size not aligned to the minimum page size -> EINVAL; size 0 maps nothing. */
    @Test
    void unalignedMapIsEinvalAndEmptyMapIsNothing() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d"));
        InKernel.run(k, () -> {
            assertThat(errnoOf(() -> d.map(0x800, 0, SZ_4K, RW)).errno()).isEqualTo(Errno.EINVAL);
            assertThat(errnoOf(() -> d.map(0, 0x800, SZ_4K, RW)).errno()).isEqualTo(Errno.EINVAL);
            assertThat(errnoOf(() -> d.map(0, 0, 0x800, RW)).errno()).isEqualTo(Errno.EINVAL);
            d.map(0, 0, 0, RW);
            assertThat(d.isEmpty()).isTrue();
            // __iommu_unmap: misaligned -> 0 bytes
            assertThat(d.unmap(0x800, SZ_4K)).isZero();
        });
    }

    /**
     * io-pgtable-arm's arm_lpae_init_pte(): a present leaf -> EEXIST, and __iommu_map unrolls what
     * the call had mapped, so the table is as before.
     */
    @Test
    void overlappingMapIsEexistAndUnrollsEarlierChunks() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d"));
        InKernel.run(k, () -> {
            d.map(2 * SZ_2M, 2 * SZ_2M, SZ_2M, RW);
            // chunk 1: 511 4K leaves up to 4M (free), chunk 2: 2M leaf at 4M (present) -> EEXIST
            KernelException e = errnoOf(() -> d.map(2 * SZ_2M - 511 * SZ_4K, 2 * SZ_2M - 511 * SZ_4K,
                    SZ_2M + 511 * SZ_4K, RW));
            assertThat(e.errno()).isEqualTo(Errno.EEXIST);
            assertThat(d.mappings()).containsExactly(new IommuMapping(2 * SZ_2M, 2 * SZ_2M, SZ_2M, 1, RW));
            assertThat(d.stats().mapFailures()).isEqualTo(1);
            assertThat(d.stats().unmapCalls()).isEqualTo(1); // the unroll
            assertThat(d.stats().iotlbSyncs()).isEqualTo(1);
        });
    }

    /** Beyond the address width: VT-d's intel_iommu_map() returns EFAULT. */
    @Test
    void beyondAddressWidthIsTheDriversErrno() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d"));
        InKernel.run(k, () -> {
            assertThat(errnoOf(() -> d.map((1L << 48) - SZ_4K, 0, 2 * SZ_4K, RW)).errno()).isEqualTo(Errno.EFAULT);
            assertThat(d.isEmpty()).isTrue();
        });
    }

    /**
     * VT-d/AMD: an unmap that covers a large leaf's first IOVA removes the whole leaf and reports its
     * size; one starting inside the leaf unmaps 0 bytes (the v1 note in vfio_dma_do_unmap,
     * docs/kernel/vfio-gup.md section 1.7 step 7 and [S30]).
     */
    @Test
    void wholeLeafPartialUnmap() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d"));
        InKernel.run(k, () -> {
            d.map(SZ_2M, SZ_2M, SZ_2M, RW);
            assertThat(d.unmap(SZ_2M + SZ_4K, SZ_4K)).isZero();
            assertThat(d.unmap(SZ_2M, SZ_4K)).isEqualTo(SZ_2M);
            assertThat(d.isEmpty()).isTrue();
        });
    }

    /** io-pgtable-arm without split-on-unmap: a partly covered leaf stays and 0 bytes are reported. */
    @Test
    void refusePartialUnmap() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k,
                IommuDomainSpec.vtd("d").withPartialUnmap(PartialUnmap.REFUSE));
        InKernel.run(k, () -> {
            d.map(SZ_2M, SZ_2M, SZ_2M, RW);
            assertThat(d.unmap(SZ_2M, SZ_4K)).isZero();
            assertThat(d.mappedPtes(SZ_2M)).isEqualTo(1);
        });
    }

    /** iommu_unmap stops at the first hole and returns the bytes unmapped (docs/kernel/vfio-gup.md section 5). */
    @Test
    void unmapStopsAtHole() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d"));
        InKernel.run(k, () -> {
            d.map(0, 0, 2 * SZ_2M, RW);
            d.map(4 * SZ_2M, 0, 2 * SZ_2M, RW);
            assertThat(d.unmap(0, 6 * SZ_2M)).isEqualTo(2 * SZ_2M);
            assertThat(d.mappedBytes()).isEqualTo(2 * SZ_2M);
            // unmapping a 4K piece out of a 4K-leaf run splits the run
            d.map(10 * SZ_2M + SZ_4K, SZ_4K, 4 * SZ_4K, RW);
            assertThat(d.unmap(10 * SZ_2M + 2 * SZ_4K, SZ_4K)).isEqualTo(SZ_4K);
            assertThat(d.mappings(10 * SZ_2M, 11 * SZ_2M)).hasSize(2);
            assertThat(d.iovaToPhys(10 * SZ_2M + 3 * SZ_4K)).isEqualTo(3 * SZ_4K);
        });
    }

    /**
     * Time: one work item per call of (per-call + sum of per-leaf costs), and one per IOTLB flush;
     * unmap_fast only gathers, the flush happens at iommu_iotlb_sync (docs/kernel/vfio-gup.md sections 1.8, 5).
     */
    @Test
    void costsAndGatheredFlushes() {
        Kernel k = InKernel.kernel();
        IommuCosts costs = IommuCosts.of(1000, Map.of(SZ_4K, 7L, SZ_2M, 30L, SZ_1G, 100L), 5000);
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d").withCosts(costs));
        InKernel.run(k, () -> {
            long t0 = k.now();
            // 511 4K leaves + 1 2M leaf + 1 1G leaf: cut at 2M, then 2M leaves up to 1G, then 1G
            d.map(SZ_4K, SZ_4K, SZ_1G - SZ_4K + SZ_1G, RW);
            assertThat(d.pteCounts()).isEqualTo(Map.of(SZ_4K, 511L, SZ_2M, 511L, SZ_1G, 1L));
            assertThat(k.now() - t0).isEqualTo(1000 + 511 * 7 + 511 * 30 + 100);
            IommuGather g = new IommuGather();
            long t1 = k.now();
            assertThat(d.unmapFast(SZ_4K, SZ_2M - SZ_4K, g)).isEqualTo(SZ_2M - SZ_4K);
            assertThat(d.unmapFast(SZ_1G, SZ_1G, g)).isEqualTo(SZ_1G);
            assertThat(d.stats().iotlbSyncs()).isZero();
            assertThat(g.pages()).isEqualTo(512);
            assertThat(k.now() - t1).isEqualTo(2 * 1000 + 511 * 7 + 100);
            long t2 = k.now();
            d.iotlbSync(g);
            assertThat(k.now() - t2).isEqualTo(5000);
            assertThat(g.isEmpty()).isTrue();
            d.iotlbSync(g); // empty gather: nothing to flush
            assertThat(d.stats().iotlbSyncs()).isEqualTo(1);
            assertThat(d.unmap(SZ_2M, SZ_1G - SZ_2M)).isEqualTo(SZ_1G - SZ_2M);
            assertThat(d.stats().iotlbSyncs()).isEqualTo(2);
            assertThat(d.isEmpty()).isTrue();
            assertThat(d.stats().ptesWritten()).isEqualTo(d.stats().ptesCleared());
        });
    }

    /**
     * fail-nth (docs/kernel/vfio-gup.md section 4.2): the page-table allocation point of the n-th map_pages call fails
     * with ENOMEM and the chunks mapped before it are unrolled.
     */
    @Test
    void failNthAtPageTableAllocationUnrolls() {
        for (int n = 1; n <= 4; n++) {
            Kernel k = InKernel.kernel();
            AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d"));
            int nth = n;
            InKernel.run(k, () -> {
                FailNth.arm(k.current(), nth);
                // three chunks: 4K x 511, 2M x 511, 1G x 1
                try {
                    d.map(SZ_4K, SZ_4K, 2 * SZ_1G - SZ_4K, RW);
                    assertThat(nth).isEqualTo(4);
                    assertThat(FailNth.reached(k.current())).isEqualTo(3);
                } catch (KernelException e) {
                    assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
                    assertThat(e.check()).isEqualTo(PagingIommuDomain.FAIL_PGTABLE_ALLOC);
                    assertThat(d.isEmpty()).isTrue();
                }
            });
        }
    }

    /** The optional per-domain lock serialises two maps running on two CPUs. */
    @Test
    void domainLockSerialisesConcurrentMaps() {
        assertThat(twoConcurrentMaps(DomainLockKind.NONE)).isEqualTo(1010);
        assertThat(twoConcurrentMaps(DomainLockKind.MUTEX)).isEqualTo(2020);
        assertThat(twoConcurrentMaps(DomainLockKind.SPINLOCK)).isEqualTo(2020);
    }

    private static long twoConcurrentMaps(DomainLockKind lock) {
        Kernel k = InKernel.kernel();
        IommuCosts costs = IommuCosts.of(1000, Map.of(SZ_4K, 10L), 0);
        AbstractIommuDomain d = IommuDomains.create(k, IommuDomainSpec.vtd("d").withLock(lock).withCosts(costs));
        k.spawn(TaskSpec.kthread("a"), () -> d.map(0, 0, SZ_4K, RW));
        k.spawn(TaskSpec.kthread("b"), () -> d.map(SZ_4K, SZ_4K, SZ_4K, RW));
        k.run();
        assertThat(d.mappedPtes(SZ_4K)).isEqualTo(2);
        if (lock != DomainLockKind.NONE) {
            assertThat(d.lockStats().orElseThrow().contentions()).isEqualTo(1);
        }
        return k.now();
    }

    @Test
    void writesOutsideATaskAreRejectedByTheRuntime() {
        Kernel k = InKernel.kernel();
        AbstractIommuDomain d = IommuDomains.create(k,
                IommuDomainSpec.vtd("d").withCosts(IommuCosts.simple()));
        assertThatThrownBy(() -> d.map(0, 0, SZ_4K, RW)).isInstanceOf(IllegalStateException.class);
    }
}
