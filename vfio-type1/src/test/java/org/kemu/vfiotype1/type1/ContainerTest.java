package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kemu.vfiotype1.PageSizes.SZ_1G;
import static org.kemu.vfiotype1.PageSizes.SZ_2M;
import static org.kemu.vfiotype1.PageSizes.SZ_4K;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IovaRange;
import org.kemu.vfiotype1.PageSizes;
import org.kemu.vfiotype1.ReservedRegion;
import org.kemu.vfiotype1.Type1Info;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.VfioUapi;
import org.kemu.vfiotype1.iommu.IommuDomains;
import org.kemu.vfiotype1.iommu.PagingIommuDomain;

/** Container-level behaviour: attach, GET_INFO, all-or-nothing maps, unmap with gathered flushes. */
class ContainerTest {

    /** docs/kernel/vfio-gup.md section 1.3: PAGE_MASK before any domain; sub-PAGE_SIZE sizes hidden (the 2 KiB mock). */
    @Test
    void pgsizeBitmapFollowsDomains() {
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), false);
        assertThat(f.iommu.pgsizeBitmap()).isEqualTo(PageSizes.PAGE_MASK);
        f.run(() -> f.iommu.attachDomain(IommuDomains.create(f.k, IommuDomainSpec.mockHuge("mock"))));
        assertThat(f.iommu.pgsizeBitmap()).isEqualTo(SZ_4K | PageSizes.SZ_1M);
        assertThat(f.iommu.minPageSize()).isEqualTo(SZ_4K);
    }

    /**
     * docs/kernel/vfio-gup.md sections 1.12 and 4.1 (vfio_compat_mock_domain.get_info): with the mock attached the
     * IOVA_RANGE cap holds the mock aperture, DMA_AVAIL the remaining entries; a too small argsz gets
     * CAPS with cap_offset 0 and the size needed; argsz below 16 is EINVAL; unreadable is EFAULT.
     */
    @Test
    void getInfo() {
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), false);
        f.run(() -> {
            Type1Info none = f.iommu.getInfo(24, 24);
            assertThat(none.iovaRanges()).isEmpty();
            assertThat(none.argsz()).isEqualTo(24 + 32 + 16); // no IOVA_RANGE cap for an empty list
            f.iommu.attachDomain(IommuDomains.create(f.k, IommuDomainSpec.mock("mock")));
            Type1Info small = f.iommu.getInfo(24, 24);
            assertThat(small.flags()).isEqualTo(VfioUapi.INFO_FLAG_PGSIZES | VfioUapi.INFO_FLAG_CAPS);
            assertThat(small.capOffset()).isZero();
            assertThat(small.capsCopied()).isFalse();
            assertThat(small.argsz()).isEqualTo(24 + 32 + 16 + 16 + 16);
            Type1Info full = f.iommu.getInfo(small.argsz(), small.argsz());
            assertThat(full.capOffset()).isEqualTo(24);
            assertThat(full.iovaPgsizes()).isEqualTo(SZ_4K);
            assertThat(full.migrationPgsizeBitmap()).isEqualTo(SZ_4K);
            assertThat(full.maxDirtyBitmapSize()).isEqualTo(256L << 20);
            assertThat(full.dmaAvail()).isEqualTo(65535);
            assertThat(full.iovaRanges()).containsExactly(new IovaRange(1L << 24, (1L << 31) - 1));
        });
        assertThat(f.fails(() -> f.iommu.getInfo(24, 15)).errno()).isEqualTo(Errno.EINVAL);
        assertThat(f.fails(() -> f.iommu.getInfo(8, 24)).errno()).isEqualTo(Errno.EFAULT);
    }

    /** docs/kernel/vfio-gup.md section 1.11: the MSI window is carved out and the aperture narrows the list. */
    @Test
    void attachCarvesReservedRegions() {
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), true);
        assertThat(f.iommu.iovaList().ranges()).containsExactly(new IovaRange(0, 0xFEDFFFFFL),
                new IovaRange(0xFEF00000L, (1L << 48) - 1));
    }

    /**
     * docs/kernel/vfio-gup.md section 1.11: an aperture that would cut off an existing mapping, or a reserved region over
     * one, fails EINVAL and leaves the list as it was.
     */
    @Test
    void attachConflictsAreEinval() {
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), true);
        f.run(() -> f.iommu.mapDma(DmaMapRequest.rw(0, 1L << 40, SZ_2M)));
        List<IovaRange> before = f.iommu.iovaList().ranges();
        IommuDomain narrow = IommuDomains.create(f.k,
                IommuDomainSpec.vtd("narrow").withAperture(new IovaRange(0, (1L << 39) - 1)));
        KernelException e = f.fails(() -> f.iommu.attachDomain(narrow));
        assertThat(e.check()).isEqualTo("vfio_iommu_aper_conflict");
        IommuDomain resv = IommuDomains.create(f.k, IommuDomainSpec.vtd("resv").withReservedRegions(
                List.of(new ReservedRegion(IovaRange.ofSize(1L << 40, SZ_4K), ReservedRegion.Type.RESERVED))));
        assertThat(f.fails(() -> f.iommu.attachDomain(resv)).check()).isEqualTo("vfio_iommu_resv_conflict");
        assertThat(f.iommu.iovaList().ranges()).isEqualTo(before);
        assertThat(f.iommu.domains()).hasSize(1);
        assertThat(narrow.isEmpty()).isTrue();
    }

    /**
     * A hugetlb-like map uses 2 MiB / 1 GiB leaves where IOVA and PA allow (docs/kernel/vfio-gup.md sections 4.3, 5), a
     * second domain attached later receives a replay of the same runs, and unmap leaves nothing.
     */
    @Test
    void mapUsesLargeLeavesReplaysAndUnmapsToNothing() {
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), true);
        f.run(() -> {
            // vaddr 2M-aligned but not 1G-aligned against a 1G-aligned PA: 2M leaves only
            f.iommu.mapDma(DmaMapRequest.rw(SZ_2M, SZ_1G + SZ_2M, 4 * SZ_2M));
            // vaddr and iova 1G-aligned: 1G leaves
            f.iommu.mapDma(DmaMapRequest.rw(4 * SZ_1G, 8 * SZ_1G, 2 * SZ_1G));
            IommuDomain d0 = f.iommu.domains().get(0);
            assertThat(d0.pteCounts()).isEqualTo(Map.of(SZ_2M, 4L, SZ_1G, 2L));
            IommuDomain d1 = IommuDomains.create(f.k, IommuDomainSpec.vtd("vtd1"));
            f.iommu.attachDomain(d1);
            assertThat(d1.mappings()).isEqualTo(d0.mappings());
            assertThat(IommuInvariants.check(f.iommu)).isEmpty();
            assertThat(f.iommu.unmapDma(DmaUnmapRequest.all())).isEqualTo(4 * SZ_2M + 2 * SZ_1G);
            assertThat(d0.isEmpty()).isTrue();
            assertThat(d1.isEmpty()).isTrue();
            assertThat(f.pins.pinnedPages).isZero();
            assertThat(f.mm.lockedVm()).isZero();
            assertThat(IommuInvariants.check(f.iommu)).isEmpty();
        });
    }

    /**
     * docs/kernel/vfio-gup.md section 1.8: the first domain is unmapped by contiguous chunk into one gather, synced every
     * 512 regions and at the end, and pages are unpinned only after the sync.
     */
    @Test
    void unmapSyncsEvery512Regions() {
        FakeGup small = new FakeGup(SZ_4K, 1L << 30); // every page its own physical run
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), false, small);
        f.run(() -> {
            f.iommu.attachDomain(IommuDomains.create(f.k, IommuDomainSpec.vtd("vtd0")));
            f.iommu.mapDma(DmaMapRequest.rw(0, 0, 1200 * SZ_4K));
            IommuDomain d0 = f.iommu.domains().get(0);
            assertThat(d0.stats().mapCalls()).isEqualTo(1200);
            f.iommu.unmapDma(DmaUnmapRequest.all());
            assertThat(d0.stats().iotlbSyncs()).isEqualTo(3); // 512 + 512 + 176
            assertThat(small.pinnedPages).isZero();
            assertThat(f.mm.lockedVm()).isZero();
        });
    }

    /** MAP_DMA is all-or-nothing when GUP fails midway (docs/kernel/vfio-gup.md section 1.4, errors of step 13). */
    @Test
    void pinFailureMidwayLeavesNothing() {
        FakeGup p = new FakeGup(SZ_2M, 1L << 30);
        p.failAtCall = 2;
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), true, p);
        KernelException e = f.fails(() -> f.iommu.mapDma(DmaMapRequest.rw(0, 0, 8 * SZ_2M)));
        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(f.iommu.dmas().isEmpty()).isTrue();
        assertThat(f.iommu.domains().get(0).isEmpty()).isTrue();
        assertThat(p.pinnedPages).isZero();
        assertThat(f.mm.lockedVm()).isZero();
        assertThat(IommuInvariants.check(f.iommu)).isEmpty();
    }

    /**
     * A fail-nth sweep over a small MAP_DMA with two domains (docs/kernel/vfio-gup.md section 4.2): for n = 1, 2, ...
     * until the call completes without reaching point n, the call fails with the injected errno and
     * the invariants find nothing left behind (or, for the points that are not fatal, such as
     * vfio_batch_init's one-entry fallback, it succeeds whole); the reverse unwind of vfio_iommu_map() removes a run
     * from the domains already done. The mock is given 4K and 2M pages too, since a 2 KiB-only domain
     * shares no page size with a VT-d one.
     */
    @Test
    void failNthSweepOverMapDma() {
        int n = 1;
        while (true) {
            FakeGup pins = new FakeGup(SZ_2M, 1L << 30);
            Type1Fixture f = new Type1Fixture(Type1Params.defaults(), false, pins);
            f.run(() -> {
                f.iommu.attachDomain(IommuDomains.create(f.k, IommuDomainSpec.vtd("a")));
                f.iommu.attachDomain(IommuDomains.create(f.k, IommuDomainSpec.mock("b")
                        .withPgsizeBitmap(PageSizes.SZ_2K | SZ_4K | SZ_2M)
                        .withAperture(new IovaRange(0, (1L << 48) - 1))));
            });
            int nth = n;
            boolean[] fired = new boolean[1];
            boolean[] failed = new boolean[1];
            f.run(() -> {
                FailNth.arm(f.k.current(), nth);
                try {
                    // three 2M pieces of VA, each its own physical run: 4 runs at iova 2M-4K
                    f.iommu.mapDma(DmaMapRequest.rw(SZ_4K, SZ_2M - SZ_4K, 3 * SZ_2M));
                } catch (KernelException e) {
                    assertThat(e.errno()).isIn(Errno.ENOMEM, Errno.ENOENT, Errno.EINTR);
                    failed[0] = true;
                }
                fired[0] = FailNth.fired(f.k.current());
                FailNth.disarm(f.k.current());
            });
            assertThat(IommuInvariants.check(f.iommu)).as("n=%d", n).isEmpty();
            if (!failed[0]) {
                assertThat(f.iommu.dmas().count()).as("n=%d", n).isEqualTo(1);
                assertThat(pins.pinnedPages).as("n=%d", n).isEqualTo(3 * 512);
                if (!fired[0]) {
                    break;
                }
                n++;
                continue;
            }
            assertThat(f.iommu.dmas().isEmpty()).as("n=%d", n).isTrue();
            assertThat(pins.pinnedPages).as("n=%d", n).isZero();
            assertThat(f.mm.lockedVm()).as("n=%d", n).isZero();
            n++;
        }
        // kzalloc, vfio_batch_init, then per run vfio_lock_acct, one point per VT-d chunk and one per
        // mock map_pages call
        assertThat(n).isGreaterThan(5);
    }

    /** vfio_iommu_map() failing in the second domain unmaps the run from the first (reverse unwind). */
    @Test
    void secondDomainFailureUnwindsFirst() {
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), true);
        f.run(() -> f.iommu.attachDomain(IommuDomains.create(f.k, IommuDomainSpec.vtd("vtd1"))));
        KernelException e = f.fails(() -> {
            // points: kzalloc (1), vfio_batch_init (2), vfio_lock_acct (3), __account_locked_vm (4),
            // vtd0 map_pages (5), vtd1 map_pages (6)
            FailNth.arm(f.k.current(), 6);
            f.iommu.mapDma(DmaMapRequest.rw(0, 0, SZ_2M));
        });
        assertThat(e.check()).isEqualTo(PagingIommuDomain.FAIL_PGTABLE_ALLOC);
        IommuDomain d0 = f.iommu.domains().get(0);
        assertThat(d0.isEmpty()).isTrue();
        assertThat(d0.stats().mapCalls()).isEqualTo(1);
        assertThat(d0.stats().unmapCalls()).isEqualTo(1);
        assertThat(IommuInvariants.check(f.iommu)).isEmpty();
    }

    /** The invariant checker notices a domain that disagrees with the DMA tree. */
    @Test
    void invariantsDetectStrayMapping() {
        Type1Fixture f = new Type1Fixture(Type1Params.defaults(), true);
        f.run(() -> f.iommu.domains().get(0).map(SZ_1G, SZ_1G, SZ_4K,
                org.kemu.vfiotype1.IommuProt.RW));
        assertThat(IommuInvariants.check(f.iommu)).singleElement().asString().contains("DMA tree says");
    }
}
