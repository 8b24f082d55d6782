package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.VmaKind;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Stats;

/**
 * A serial MAP_DMA of hugetlb memory faulted in by the pin itself, through the real GUP and pool: the
 * 5.14 pool is LIFO ({@code enqueue_huge_page()} to the head of the free list,
 * {@code dequeue_huge_page_node_exact()} takes the first entry), so consecutive 2 MiB pages have
 * descending pfns, and {@code vfio_pin_pages_remote()} ends a run at every pfn discontinuity: one run,
 * one {@code vfio_lock_acct()} and one {@code iommu_map()} (of one 2 MiB IOPTE) per huge page.
 */
class HugetlbRunsTest {

    @Test
    void aSerialPinOfHugetlbMakesOneRunPerHugePage() {
        int hugePages = 64;
        long size = (long) hugePages * MmConstants.PMD_SIZE;
        PinFixture f = new PinFixture(PinConfig.serial(), 0,
                MemoryConfig.ofBytesPerNode(PinFixture.GIB).withBootHugepages(hugePages, 0), Type1Costs.FREE);
        Type1Stats[] stats = new Type1Stats[1];
        IommuDomain[] d = new IommuDomain[1];
        f.qemu.setCapIpcLock(true);
        f.run(() -> {
            d[0] = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long va = f.sys.addressSpaces().mmap(f.qemu, 0, size, VmaKind.HUGETLB_2M, true);
            f.c.mapDma(DmaMapRequest.rw(va, 1L << 32, size));
            stats[0] = f.c.stats();
            assertThat(f.c.checkInvariants()).isEmpty();
        });
        assertThat(stats[0].runs()).isEqualTo(hugePages);
        assertThat(stats[0].lockAcctCalls()).isEqualTo(hugePages);
        assertThat(stats[0].iommuMapCalls()).isEqualTo(hugePages);
        assertThat(d[0].pteCounts()).containsExactly(org.assertj.core.data.MapEntry.entry(2L << 20, (long) hugePages));
    }
}
