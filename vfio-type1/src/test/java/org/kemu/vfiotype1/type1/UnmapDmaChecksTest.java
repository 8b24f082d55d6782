package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kemu.vfiotype1.PageSizes.SZ_2M;
import static org.kemu.vfiotype1.PageSizes.SZ_4K;
import static org.kemu.vfiotype1.VfioUapi.DMA_UNMAP_FLAG_ALL;
import static org.kemu.vfiotype1.VfioUapi.DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
import static org.kemu.vfiotype1.VfioUapi.DMA_UNMAP_FLAG_VADDR;
import static org.kemu.vfiotype1.VfioUapi.DMA_UNMAP_MINSZ;
import static org.kemu.vfiotype1.VfioUapi.VFIO_BITMAP_SIZE;

import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.OverflowChecks;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.VfioBitmap;

/**
 * VFIO_IOMMU_UNMAP_DMA checks and semantics, docs/kernel/vfio-gup.md section 1.7 (steps numbered as there),
 * [S2] vfio_iommu_type1_ioctl()/vfio_dma_do_unmap(), [S3] for EOVERFLOW.
 */
class UnmapDmaChecksTest {
    private final Type1Fixture f = new Type1Fixture(Type1Params.defaults(), true);

    private static void expect(KernelException e, Errno errno, String check) {
        assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno);
        assertThat(e.check()).isEqualTo(check);
    }

    private KernelException unmap(DmaUnmapRequest r) {
        return f.fails(() -> f.iommu.unmapDma(r));
    }

    /** Three mappings of 2 MiB at 2M, 4M and 8M. */
    private void threeMappings(Type1Fixture fx) {
        fx.run(() -> {
            fx.iommu.mapDma(DmaMapRequest.rw(0, SZ_2M, SZ_2M));
            fx.iommu.mapDma(DmaMapRequest.rw(SZ_2M, 2 * SZ_2M, SZ_2M));
            fx.iommu.mapDma(DmaMapRequest.rw(2 * SZ_2M, 4 * SZ_2M, SZ_2M));
        });
    }

    private static DmaUnmapRequest dirty(VfioBitmap b) {
        return new DmaUnmapRequest(DMA_UNMAP_MINSZ + VFIO_BITMAP_SIZE, DMA_UNMAP_MINSZ + VFIO_BITMAP_SIZE,
                DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, SZ_2M, SZ_2M, b);
    }

    private static final VfioBitmap GOOD_BITMAP = new VfioBitmap(SZ_4K, 64, 0x10000, true);

    @Test
    void step1CopyFaultArgszAndFlags() {
        expect(unmap(DmaUnmapRequest.range(0, SZ_4K).passedAs(DMA_UNMAP_MINSZ, 23)), Errno.EFAULT, "unmap_dma:copy_from_user");
        expect(unmap(DmaUnmapRequest.range(0, SZ_4K).passedAs(23, DMA_UNMAP_MINSZ)), Errno.EINVAL, "unmap_dma:argsz");
        expect(unmap(DmaUnmapRequest.of(1 << 3, 0, SZ_4K)), Errno.EINVAL, "unmap_dma:flags");
    }

    @Test
    void step1DirtyBitmapWithAllOrVaddrIsEinval() {
        expect(unmap(DmaUnmapRequest.of(DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | DMA_UNMAP_FLAG_ALL, 0, 0)), Errno.EINVAL,
                "unmap_dma:dirty_flags");
        expect(unmap(DmaUnmapRequest.of(DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | DMA_UNMAP_FLAG_VADDR, 0, SZ_4K)),
                Errno.EINVAL, "unmap_dma:dirty_flags");
    }

    @Test
    void step1BitmapHeaderChecksInOrder() {
        expect(unmap(dirty(GOOD_BITMAP).passedAs(DMA_UNMAP_MINSZ + 8, DMA_UNMAP_MINSZ + VFIO_BITMAP_SIZE)), Errno.EINVAL, "unmap_dma:bitmap_argsz");
        expect(unmap(dirty(new VfioBitmap(SZ_4K, 64, 0x10000, false))), Errno.EFAULT, "unmap_dma:bitmap_copy");
        expect(unmap(dirty(new VfioBitmap(SZ_4K, 64, -4096L, true))), Errno.EINVAL, "unmap_dma:bitmap_access_ok");
        // 2M at 4K = 512 pages = 64 bytes of bitmap; 56 is too small, 256 MiB + 1 too large
        expect(unmap(dirty(new VfioBitmap(SZ_4K, 56, 0x10000, true))), Errno.EINVAL, "unmap_dma:bitmap_size");
        expect(unmap(dirty(new VfioBitmap(SZ_4K, (256L << 20) + 1, 0x10000, true))), Errno.EINVAL,
                "unmap_dma:bitmap_size");
    }

    /** Step 5: a well-formed bitmap while dirty tracking is off is EINVAL. */
    @Test
    void step5DirtyBitmapWithoutTrackingIsEinval() {
        expect(unmap(dirty(GOOD_BITMAP)), Errno.EINVAL, "vfio_dma_do_unmap:dirty_pgsize");
        f.iommu.setDirtyTracking(true);
        expect(unmap(dirty(new VfioBitmap(SZ_2M, 64, 0x10000, true))), Errno.EINVAL,
                "vfio_dma_do_unmap:dirty_pgsize");
    }

    /** Step 2: VADDR while emulated (mdev) groups exist is EBUSY, before the alignment check (step 3). */
    @Test
    void step2VaddrWithEmulatedGroupsIsEbusyBeforeAlignment() {
        f.iommu.setEmulatedGroups(true);
        expect(unmap(DmaUnmapRequest.of(DMA_UNMAP_FLAG_VADDR, 0x800, SZ_4K)), Errno.EBUSY,
                "vfio_dma_do_unmap:vaddr_mdev");
    }

    @Test
    void step3UnalignedIovaIsEinval() {
        expect(unmap(DmaUnmapRequest.range(0x800, SZ_4K)), Errno.EINVAL, "vfio_dma_do_unmap:iova_align");
    }

    /** Step 3 before 4: an unaligned iova with UNMAP_ALL is the alignment error. */
    @Test
    void orderIovaAlignmentBeforeAllArguments() {
        expect(unmap(DmaUnmapRequest.of(DMA_UNMAP_FLAG_ALL, 0x800, 0)), Errno.EINVAL, "vfio_dma_do_unmap:iova_align");
    }

    @Test
    void step4AllNeedsIovaAndSizeZero() {
        expect(unmap(DmaUnmapRequest.of(DMA_UNMAP_FLAG_ALL, SZ_4K, 0)), Errno.EINVAL, "vfio_dma_do_unmap:all_args");
        expect(unmap(DmaUnmapRequest.of(DMA_UNMAP_FLAG_ALL, 0, SZ_4K)), Errno.EINVAL, "vfio_dma_do_unmap:all_args");
    }

    @Test
    void step4SizeZeroOrUnalignedIsEinval() {
        expect(unmap(DmaUnmapRequest.range(0, 0)), Errno.EINVAL, "vfio_dma_do_unmap:size");
        expect(unmap(DmaUnmapRequest.range(0, 0x800)), Errno.EINVAL, "vfio_dma_do_unmap:size");
    }

    /** Step 4: a wrapping range is EOVERFLOW (EINVAL before [S3]); an unaligned size is checked first. */
    @Test
    void step4WrapIsEoverflowLegacyEinval() {
        expect(unmap(DmaUnmapRequest.range(-SZ_4K, 2 * SZ_4K)), Errno.EOVERFLOW, "vfio_dma_do_unmap:overflow");
        expect(unmap(DmaUnmapRequest.range(-SZ_4K, 2 * SZ_4K + 0x800)), Errno.EINVAL, "vfio_dma_do_unmap:size");
        Type1Fixture legacy = new Type1Fixture(Type1Params.defaults().withOverflowChecks(OverflowChecks.LEGACY), true);
        expect(legacy.fails(() -> legacy.iommu.unmapDma(DmaUnmapRequest.range(-SZ_4K, 2 * SZ_4K))), Errno.EINVAL,
                "vfio_dma_do_unmap:overflow");
    }

    /** Step 6 (v2): bisecting a mapping at either end is EINVAL and unmaps nothing. */
    @Test
    void step6V2BisectIsEinval() {
        threeMappings(f);
        expect(unmap(DmaUnmapRequest.range(SZ_2M + SZ_4K, SZ_2M)), Errno.EINVAL, "vfio_dma_do_unmap:v2_bisect_start");
        expect(unmap(DmaUnmapRequest.range(SZ_2M, SZ_4K)), Errno.EINVAL, "vfio_dma_do_unmap:v2_bisect_end");
        assertThat(f.iommu.dmas().count()).isEqualTo(3);
        assertThat(IommuInvariants.check(f.iommu)).isEmpty();
    }

    /** v2: one large request removes several whole mappings; an empty range succeeds with 0 bytes. */
    @Test
    void v2LargeRequestRemovesWholeMappings() {
        threeMappings(f);
        f.run(() -> {
            assertThat(f.iommu.unmapDma(DmaUnmapRequest.range(0, 3 * SZ_2M))).isEqualTo(2 * SZ_2M);
            assertThat(f.iommu.unmapDma(DmaUnmapRequest.range(0, 3 * SZ_2M))).isZero();
            assertThat(f.iommu.dmas().count()).isEqualTo(1);
            assertThat(IommuInvariants.check(f.iommu)).isEmpty();
            assertThat(f.iommu.unmapDma(DmaUnmapRequest.all())).isEqualTo(SZ_2M);
            assertThat(f.iommu.dmas().isEmpty()).isTrue();
            assertThat(f.iommu.domains().get(0).isEmpty()).isTrue();
            assertThat(f.pins.pinnedPages).isZero();
            assertThat(f.mm.lockedVm()).isZero();
            assertThat(IommuInvariants.check(f.iommu)).isEmpty();
        });
    }

    /**
     * Step 7 (v1): a request starting inside a mapping succeeds with 0 bytes; one covering a
     * mapping's first IOVA removes it whole, past the requested end.
     */
    @Test
    void step7V1Semantics() {
        Type1Fixture v1 = new Type1Fixture(Type1Params.defaults().withV2(false), true);
        threeMappings(v1);
        v1.run(() -> {
            assertThat(v1.iommu.unmapDma(DmaUnmapRequest.range(SZ_2M + SZ_4K, SZ_2M))).isZero();
            assertThat(v1.iommu.unmapDma(DmaUnmapRequest.range(SZ_2M, SZ_4K))).isEqualTo(SZ_2M);
            assertThat(v1.iommu.dmas().count()).isEqualTo(2);
            assertThat(IommuInvariants.check(v1.iommu)).isEmpty();
        });
    }

    /** Step 8 with VADDR: a second invalidation of the same dma fails EINVAL and rolls back this call's marks. */
    @Test
    void step8VaddrInvalidationRollsBack() {
        threeMappings(f);
        f.run(() -> assertThat(f.iommu.unmapDma(DmaUnmapRequest.of(DMA_UNMAP_FLAG_VADDR, 2 * SZ_2M, SZ_2M)))
                .isEqualTo(SZ_2M));
        expect(unmap(DmaUnmapRequest.of(DMA_UNMAP_FLAG_VADDR, SZ_2M, 2 * SZ_2M)), Errno.EINVAL,
                "vfio_dma_do_unmap:vaddr_already_invalid");
        assertThat(f.iommu.dmas().find(SZ_2M, 1).vaddrInvalid()).isFalse();
        assertThat(f.iommu.dmas().find(2 * SZ_2M, 1).vaddrInvalid()).isTrue();
        assertThat(f.iommu.vaddrInvalidCount()).isEqualTo(1);
        // invalidated dmas stay mapped; a real unmap removes them and fixes the count
        f.run(() -> f.iommu.unmapDma(DmaUnmapRequest.all()));
        assertThat(f.iommu.vaddrInvalidCount()).isZero();
        assertThat(IommuInvariants.check(f.iommu)).isEmpty();
    }

    /**
     * dma_entry_limit = U16_MAX (docs/kernel/vfio-gup.md sections 1.1, 1.4 step 9): 65535 maps succeed, the next is
     * ENOSPC, UNMAP_ALL gives every entry back.
     */
    @Test
    void dmaAvailExhaustion() {
        Type1Fixture nd = new Type1Fixture(Type1Params.defaults(), false);
        nd.run(() -> {
            for (int i = 0; i < 65535; i++) {
                nd.iommu.mapDma(DmaMapRequest.rw(0, (long) i * 2 * SZ_4K, SZ_4K));
            }
            assertThat(nd.iommu.dmaAvail()).isZero();
            assertThat(nd.iommu.getInfo(1 << 16, 1 << 16).dmaAvail()).isZero();
            try {
                nd.iommu.mapDma(DmaMapRequest.rw(0, 1L << 40, SZ_4K));
                throw new AssertionError("65536th map accepted");
            } catch (KernelException e) {
                assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
            }
            assertThat(nd.iommu.unmapDma(DmaUnmapRequest.all())).isEqualTo(65535L * SZ_4K);
            assertThat(nd.iommu.dmaAvail()).isEqualTo(65535);
            assertThat(IommuInvariants.check(nd.iommu)).isEmpty();
        });
    }
}
