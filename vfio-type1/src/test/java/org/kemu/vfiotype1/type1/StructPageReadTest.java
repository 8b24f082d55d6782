package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.VmaKind;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Costs;

/**
 * 5.14's {@code vfio_pin_pages_remote()} calls {@code is_invalid_reserved_pfn()} for every 4 KiB pfn
 * of a run, and {@code PageReserved()} (PF_NO_COMPOUND) reads that page's own struct page: one cache
 * line per 4 KiB page streams through memory even when GUP grabbed a hugetlb page once. The
 * folio-batched form tests the first pfn of each run only. So the same MAP_DMA moves
 * {@code STRUCT_PAGE_SIZE} more bytes per 4 KiB page in the 5.14 form.
 */
class StructPageReadTest {

    private static long bytesMovedByMapDma(PinConfig pin) {
        int hugePages = 16;
        long size = (long) hugePages * MmConstants.PMD_SIZE;
        PinFixture f = new PinFixture(pin, 0,
                MemoryConfig.ofBytesPerNode(PinFixture.GIB).withBootHugepages(hugePages, 0), Type1Costs.FREE);
        long[] moved = new long[1];
        f.qemu.setCapIpcLock(true);
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long va = f.sys.addressSpaces().mmap(f.qemu, 0, size, VmaKind.HUGETLB_2M, true);
            // fault everything in first (as qemu's prealloc does), so the MAP_DMA itself clears nothing
            f.sys.addressSpaces().touchPages(f.qemu, va, size);
            long before = f.k.current().bytesMoved();
            f.c.mapDma(DmaMapRequest.rw(va, 1L << 32, size));
            moved[0] = f.k.current().bytesMoved() - before;
            assertThat(f.c.checkInvariants()).isEmpty();
        });
        return moved[0];
    }

    @Test
    void the514PageLoopReadsOneStructPagePerSmallPageAndTheFolioFormNone() {
        long pages = 16L * MmConstants.PMD_PAGES;
        assertThat(bytesMovedByMapDma(PinConfig.serial())).isEqualTo(pages * MmConstants.STRUCT_PAGE_SIZE);
        assertThat(bytesMovedByMapDma(PinConfig.folioBatched())).isZero();
    }
}
