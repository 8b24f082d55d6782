package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kemu.vfiotype1.PageSizes.SZ_2M;
import static org.kemu.vfiotype1.PageSizes.SZ_4K;
import static org.kemu.vfiotype1.VfioUapi.DMA_MAP_FLAG_READ;
import static org.kemu.vfiotype1.VfioUapi.DMA_MAP_FLAG_VADDR;
import static org.kemu.vfiotype1.VfioUapi.DMA_MAP_MINSZ;

import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.OverflowChecks;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.VfioUapi;

/**
 * VFIO_IOMMU_MAP_DMA argument checks, one test per check and the order when several fail:
 * docs/kernel/vfio-gup.md section 1.4 (steps numbered as there), [S2] vfio_dma_do_map(), [S3] the 2025 overflow
 * fixes. A VT-d-like domain is attached, so the minimum page size is 4 KiB and the valid IOVA list
 * is [0, 0xfedfffff] + [0xfef00000, 2^48-1].
 */
class MapDmaChecksTest {
    private final Type1Fixture f = new Type1Fixture(Type1Params.defaults(), true);
    private final Type1Fixture legacy = new Type1Fixture(
            Type1Params.defaults().withOverflowChecks(OverflowChecks.LEGACY), true);

    private static void expect(KernelException e, Errno errno, String check) {
        assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno);
        assertThat(e.check()).isEqualTo(check);
    }

    private KernelException map(Type1Fixture fx, DmaMapRequest r) {
        KernelException e = fx.fails(() -> fx.iommu.mapDma(r));
        assertThat(IommuInvariants.check(fx.iommu)).isEmpty();
        assertThat(fx.iommu.dmas().count()).isZero();
        return e;
    }

    @Test
    void step1CopyFromUserFaultIsEfault() {
        expect(map(f, DmaMapRequest.rw(0, 0, SZ_4K).passedAs(DMA_MAP_MINSZ, 31)), Errno.EFAULT, "map_dma:copy_from_user");
    }

    @Test
    void step2ShortArgszIsEinval() {
        expect(map(f, DmaMapRequest.rw(0, 0, SZ_4K).passedAs(31, DMA_MAP_MINSZ)), Errno.EINVAL, "map_dma:argsz");
    }

    @Test
    void step2UnknownFlagIsEinval() {
        expect(map(f, DmaMapRequest.of(DMA_MAP_FLAG_READ | 1 << 3, 0, 0, SZ_4K)), Errno.EINVAL,
                "map_dma:flags");
    }

    /** Step 1 comes before step 2: an unreadable argument with bad argsz is EFAULT. */
    @Test
    void orderEfaultBeforeArgsz() {
        expect(map(f, DmaMapRequest.rw(0, 0, SZ_4K).passedAs(1, 0)), Errno.EFAULT,
                "map_dma:copy_from_user");
    }

    @Test
    void step4SizeZeroIsEinval() {
        expect(map(f, DmaMapRequest.rw(0, 0, 0)), Errno.EINVAL, "vfio_dma_do_map:size_zero");
    }

    @Test
    void step5IovaWrapIsEoverflow() {
        expect(map(f, DmaMapRequest.rw(0, -SZ_4K, 2 * SZ_4K)), Errno.EOVERFLOW, "vfio_dma_do_map:overflow");
    }

    @Test
    void step5VaddrWrapIsEoverflow() {
        expect(map(f, DmaMapRequest.rw(-SZ_4K, 0, 2 * SZ_4K)), Errno.EOVERFLOW, "vfio_dma_do_map:overflow");
    }

    /** [S3]: a map that ends exactly at 2^64 - 1 is legal (no domain, so no IOVA list limits it). */
    @Test
    void mapEndingAtTopOfSpaceIsLegal() {
        Type1Fixture nd = new Type1Fixture(Type1Params.defaults(), false);
        nd.run(() -> {
            nd.iommu.mapDma(DmaMapRequest.rw(0, -SZ_2M, SZ_2M));
            assertThat(nd.iommu.dmas().find(-SZ_4K, SZ_4K)).isNotNull();
            assertThat(nd.iommu.unmapDma(DmaUnmapRequest.range(-SZ_2M, SZ_2M))).isEqualTo(SZ_2M);
        });
    }

    @Test
    void step6NeitherReadNorWriteIsEinval() {
        expect(map(f, DmaMapRequest.of(0, 0, 0, SZ_4K)), Errno.EINVAL, "vfio_dma_do_map:prot");
    }

    @Test
    void step6ReadWithVaddrIsEinval() {
        expect(map(f, DmaMapRequest.of(DMA_MAP_FLAG_READ | DMA_MAP_FLAG_VADDR, 0, 0, SZ_4K)), Errno.EINVAL,
                "vfio_dma_do_map:prot");
    }

    /** Steps 4 and 5 come before 6: size 0 without READ/WRITE is the size error, a wrap is EOVERFLOW. */
    @Test
    void orderSizeAndWrapBeforeProt() {
        expect(map(f, DmaMapRequest.of(0, 0, 0, 0)), Errno.EINVAL, "vfio_dma_do_map:size_zero");
        expect(map(f, DmaMapRequest.of(0, 0, -SZ_4K, 2 * SZ_4K)), Errno.EOVERFLOW, "vfio_dma_do_map:overflow");
    }

    @Test
    void step7UnalignedIovaVaddrOrSizeIsEinval() {
        expect(map(f, DmaMapRequest.rw(0, 0x800, SZ_4K)), Errno.EINVAL, "vfio_dma_do_map:align");
        expect(map(f, DmaMapRequest.rw(0x800, 0, SZ_4K)), Errno.EINVAL, "vfio_dma_do_map:align");
        expect(map(f, DmaMapRequest.rw(0, 0, SZ_4K + 0x800)), Errno.EINVAL, "vfio_dma_do_map:align");
    }

    /** Step 5 before 7: an unaligned wrapping range is EOVERFLOW with the 2025 checks. */
    @Test
    void orderWrapBeforeAlignment() {
        expect(map(f, DmaMapRequest.rw(0, -SZ_4K, SZ_4K + 0x800)), Errno.EOVERFLOW, "vfio_dma_do_map:overflow");
    }

    /**
     * LEGACY (v6.18 and before, [S3]): size 0 is caught with the alignment under the mutex, after the
     * prot check, and a wrap is EINVAL checked after alignment.
     */
    @Test
    void legacyOrderAndErrnos() {
        expect(map(legacy, DmaMapRequest.of(0, 0, 0, 0)), Errno.EINVAL, "vfio_dma_do_map:prot");
        expect(map(legacy, DmaMapRequest.rw(0, 0, 0)), Errno.EINVAL, "vfio_dma_do_map:align");
        expect(map(legacy, DmaMapRequest.rw(0, -SZ_4K, SZ_4K + 0x800)), Errno.EINVAL, "vfio_dma_do_map:align");
        expect(map(legacy, DmaMapRequest.rw(0, -SZ_4K, 2 * SZ_4K)), Errno.EINVAL, "vfio_dma_do_map:overflow");
    }

    @Test
    void step8OverlapIsEexist() {
        f.run(() -> f.iommu.mapDma(DmaMapRequest.rw(0, SZ_2M, SZ_2M)));
        KernelException e = f.fails(() -> f.iommu.mapDma(DmaMapRequest.rw(0, SZ_2M + SZ_2M - SZ_4K, 2 * SZ_4K)));
        expect(e, Errno.EEXIST, "vfio_dma_do_map:exists");
        assertThat(f.iommu.dmas().count()).isEqualTo(1);
        assertThat(IommuInvariants.check(f.iommu)).isEmpty();
    }

    /** Step 7 before 8: an unaligned request over an existing mapping is EINVAL, not EEXIST. */
    @Test
    void orderAlignmentBeforeOverlap() {
        f.run(() -> f.iommu.mapDma(DmaMapRequest.rw(0, SZ_2M, SZ_2M)));
        expect(f.fails(() -> f.iommu.mapDma(DmaMapRequest.rw(0, SZ_2M, 0x800))), Errno.EINVAL,
                "vfio_dma_do_map:align");
    }

    @Test
    void step8VaddrUpdateWithoutDmaIsEnoent() {
        expect(map(f, DmaMapRequest.of(DMA_MAP_FLAG_VADDR, 0, SZ_2M, SZ_2M)), Errno.ENOENT,
                "vfio_dma_do_map:vaddr_noent");
    }

    /** Step 8 with VADDR: the dma must be invalidated and iova/size identical, else EINVAL; then it succeeds. */
    @Test
    void step8VaddrUpdateRules() {
        f.run(() -> f.iommu.mapDma(DmaMapRequest.rw(0, SZ_2M, 2 * SZ_2M)));
        expect(f.fails(() -> f.iommu.mapDma(DmaMapRequest.of(DMA_MAP_FLAG_VADDR, SZ_2M, SZ_2M, 2 * SZ_2M))),
                Errno.EINVAL, "vfio_dma_do_map:vaddr_mismatch");
        f.run(() -> {
            assertThat(f.iommu.unmapDma(DmaUnmapRequest.of(VfioUapi.DMA_UNMAP_FLAG_VADDR, SZ_2M, 2 * SZ_2M)))
                    .isEqualTo(2 * SZ_2M);
            assertThat(f.iommu.vaddrInvalidCount()).isEqualTo(1);
        });
        expect(f.fails(() -> f.iommu.mapDma(DmaMapRequest.of(DMA_MAP_FLAG_VADDR, SZ_2M, SZ_2M, SZ_2M))),
                Errno.EINVAL, "vfio_dma_do_map:vaddr_mismatch");
        f.runAs(7, () -> {
            f.iommu.mapDma(DmaMapRequest.of(DMA_MAP_FLAG_VADDR, 8 * SZ_2M, SZ_2M, 2 * SZ_2M));
            VfioDma d = f.iommu.dmas().find(SZ_2M, 1);
            assertThat(d.vaddr()).isEqualTo(8 * SZ_2M);
            assertThat(d.vaddrInvalid()).isFalse();
            assertThat(d.ownerTgid()).isEqualTo(7); // vfio_change_dma_owner() gave it to the task that updated it
            assertThat(f.iommu.vaddrInvalidCount()).isZero();
        });
    }

    @Test
    void step9NoDmaAvailIsEnospc() {
        Type1Fixture s = new Type1Fixture(Type1Params.defaults().withDmaEntryLimit(2), true);
        s.run(() -> {
            s.iommu.mapDma(DmaMapRequest.rw(0, 0, SZ_4K));
            s.iommu.mapDma(DmaMapRequest.rw(0, SZ_4K, SZ_4K));
        });
        expect(s.fails(() -> s.iommu.mapDma(DmaMapRequest.rw(0, 2 * SZ_4K, SZ_4K))), Errno.ENOSPC,
                "vfio_dma_do_map:dma_avail");
        // Step 8 before 9: an overlapping request is still EEXIST
        expect(s.fails(() -> s.iommu.mapDma(DmaMapRequest.rw(0, 0, SZ_4K))), Errno.EEXIST, "vfio_dma_do_map:exists");
        // Step 9 before 10: a request in the MSI window is ENOSPC
        expect(s.fails(() -> s.iommu.mapDma(DmaMapRequest.rw(0, 0xFEE00000L, SZ_4K))), Errno.ENOSPC,
                "vfio_dma_do_map:dma_avail");
        assertThat(IommuInvariants.check(s.iommu)).isEmpty();
    }

    /** Step 10: the reserved MSI window and beyond the aperture are outside the valid IOVA list. */
    @Test
    void step10OutsideValidIovaRangesIsEinval() {
        expect(map(f, DmaMapRequest.rw(0, 0xFEE00000L, SZ_4K)), Errno.EINVAL, "vfio_dma_do_map:iova_range");
        expect(map(f, DmaMapRequest.rw(0, 0xFED00000L, SZ_2M)), Errno.EINVAL, "vfio_dma_do_map:iova_range");
        expect(map(f, DmaMapRequest.rw(0, 1L << 48, SZ_4K)), Errno.EINVAL, "vfio_dma_do_map:iova_range");
        f.run(() -> f.iommu.mapDma(DmaMapRequest.rw(0, 0xFEF00000L, SZ_4K)));
    }

    /** Step 11: kzalloc failure (fail-nth) is ENOMEM and leaves dma_avail and the tree as they were. */
    @Test
    void step11AllocationFailureIsEnomem() {
        KernelException e = f.fails(() -> {
            FailNth.arm(f.k.current(), 1);
            f.iommu.mapDma(DmaMapRequest.rw(0, 0, SZ_4K));
        });
        expect(e, Errno.ENOMEM, VfioIommu.FAIL_DMA_ALLOC);
        assertThat(f.iommu.dmaAvail()).isEqualTo(VfioUapi.DMA_ENTRY_LIMIT_DEFAULT);
        assertThat(IommuInvariants.check(f.iommu)).isEmpty();
    }

    /** Pure use of the check class: steps 1-6 need no container state. */
    @Test
    void uncheckedArgsCarryProt() {
        DmaMapChecks.MapArgs a = DmaMapChecks.checkUnlocked(DmaMapRequest.of(DMA_MAP_FLAG_READ, 0, 0, SZ_4K),
                OverflowChecks.CHECK_OVERFLOW);
        assertThat(a.prot().readable()).isTrue();
        assertThat(a.prot().writable()).isFalse();
    }
}
