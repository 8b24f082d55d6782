package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuMapping;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Stats;
import org.kemu.vfiotype1.Type1Costs;

/** The pin path end to end on the simulated backend (issue 6 tests; docs/kernel/vfio-gup.md sections 1.4-1.9). */
class PinPathTest {
    static final long MIB = PinFixture.MIB;

    static java.util.stream.Stream<PinConfig> modes() {
        return PinModes.all();
    }

    static java.util.stream.Stream<PinConfig> kernelModes() {
        return PinModes.kernelDefaults();
    }

    /**
     * Map then unmap leaves nothing: no pin, no locked_vm, no IOMMU PTE, no DMA entry (docs/kernel/vfio-gup.md section 1.8:
     * vfio_remove_dma unmaps, unpins and uncharges); between the two the IOMMU table equals the DMA
     * tree and locked_vm equals the pages mapped (1.9).
     */
    @ParameterizedTest
    @MethodSource("modes")
    void mapThenUnmapLeavesNothing(PinConfig pin) {
        PinFixture f = new PinFixture(pin);
        f.run(() -> {
            IommuDomain d = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 12 * MIB, VmaKind.ANON, true);
            long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.HUGETLB_2M, true);
            f.c.mapDma(DmaMapRequest.rw(anon, 0x1000_0000L, 12 * MIB));
            f.c.mapDma(DmaMapRequest.rw(huge, 0x4000_0000L, 16 * MIB));
            assertThat(f.c.checkInvariants()).isEmpty();
            long pages = 28 * MIB >>> MmConstants.PAGE_SHIFT;
            assertThat(f.qemu.lockedVm()).isEqualTo(pages);
            assertThat(f.sys.physicalMemory().pinnedPages()).isEqualTo(pages);
            assertThat(d.mappedBytes()).isEqualTo(28 * MIB);
            assertThat(f.c.unmapDma(DmaUnmapRequest.all())).isEqualTo(28 * MIB);
            assertThat(f.c.checkInvariants()).isEmpty();
            assertThat(f.qemu.lockedVm()).isZero();
            assertThat(f.sys.physicalMemory().pinnedPages()).isZero();
            assertThat(d.mappedBytes()).isZero();
            assertThat(d.pteCounts()).isEmpty();
            assertThat(f.iommu().dmas().isEmpty()).isTrue();
        });
    }

    /**
     * hugetlb-backed maps use 2 MiB IOMMU PTEs where IOVA and physical address allow it
     * (iommu_pgsize, docs/kernel/vfio-gup.md section 5; the v6.18 vfio_dma_mapping_test asserts the PMD leaf level, 4.3);
     * an IOVA off the 2 MiB boundary by 4 KiB forces 4 KiB leaves.
     */
    @ParameterizedTest
    @MethodSource("modes")
    void hugetlbUses2MiBPtesWhenAligned(PinConfig pin) {
        PinFixture f = new PinFixture(pin);
        f.run(() -> {
            IommuDomain d = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.HUGETLB_2M, true);
            f.c.mapDma(DmaMapRequest.rw(huge, 0x4000_0000L, 8 * MIB));
            assertThat(d.pteCounts()).containsExactly(org.assertj.core.data.MapEntry.entry(2 * MIB, 4L));
            f.c.mapDma(DmaMapRequest.rw(huge + 8 * MIB, 0x8000_1000L, 8 * MIB));
            assertThat(d.mappedPtes(4096)).isEqualTo(8 * MIB / 4096);
            assertThat(d.mappedPtes(2 * MIB)).isEqualTo(4);
            assertThat(f.c.checkInvariants()).isEmpty();
            f.c.unmapDma(DmaUnmapRequest.all());
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }

    /**
     * RLIMIT_MEMLOCK too small: ENOMEM ("RLIMIT_MEMLOCK exceeded", docs/kernel/vfio-gup.md sections 1.4/1.6) and nothing
     * left behind, in every pin mode.
     */
    @ParameterizedTest
    @MethodSource("modes")
    void rlimitTooSmallIsEnomemAndLeavesNothing(PinConfig pin) {
        PinFixture f = new PinFixture(pin, 6 * MIB, MemoryConfig.ofBytesPerNode(PinFixture.GIB).withBootHugepages(32, 0),
                Type1Costs.FREE);
        f.run(() -> {
            IommuDomain d = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.HUGETLB_2M, true);
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 8 * MIB, VmaKind.ANON, true);
            for (long va : new long[] {huge, anon}) {
                assertThatThrownBy(() -> f.c.mapDma(DmaMapRequest.rw(va, 0x4000_0000L, 8 * MIB)))
                        .isInstanceOf(KernelException.class)
                        .satisfies(e -> assertThat(((KernelException) e).errno()).isEqualTo(Errno.ENOMEM));
                assertThat(f.qemu.lockedVm()).isZero();
                assertThat(f.sys.physicalMemory().pinnedPages()).isZero();
                assertThat(d.mappedBytes()).isZero();
                assertThat(f.iommu().dmas().isEmpty()).isTrue();
                assertThat(f.iommu().dmaAvail()).isEqualTo(65535);
                assertThat(f.c.checkInvariants()).isEmpty();
            }
            // within the limit it works, and a second map then crosses it
            f.c.mapDma(DmaMapRequest.rw(huge, 0x4000_0000L, 4 * MIB));
            assertThatThrownBy(() -> f.c.mapDma(DmaMapRequest.rw(anon, 0x8000_0000L, 4 * MIB)))
                    .satisfies(e -> assertThat(((KernelException) e).errno()).isEqualTo(Errno.ENOMEM));
            assertThat(f.qemu.lockedVm()).isEqualTo(1024);
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }

    /** CAP_IPC_LOCK skips the limit but still charges locked_vm (docs/kernel/vfio-gup.md section 1.9). */
    @ParameterizedTest
    @MethodSource("kernelModes")
    void capIpcLockBypassesTheLimitButCharges(PinConfig pin) {
        PinFixture f = new PinFixture(pin, 0, MemoryConfig.ofBytesPerNode(PinFixture.GIB).withBootHugepages(32, 0),
                Type1Costs.FREE);
        f.qemu.setCapIpcLock(true);
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 8 * MIB, VmaKind.HUGETLB_2M, true);
            f.c.mapDma(DmaMapRequest.rw(huge, 0x4000_0000L, 8 * MIB));
            assertThat(f.qemu.lockedVm()).isEqualTo(2048);
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }

    /**
     * Parallel and serial pin produce identical mappings and accounting: the same prefaulted guest
     * (so physical pages do not depend on who faults first) mapped serially, folio-batched and by
     * padata gives the same IOMMU runs, locked_vm and pins.
     */
    @org.junit.jupiter.api.Test
    void parallelAndSerialPinAreIdentical() {
        List<List<IommuMapping>> maps = new java.util.ArrayList<>();
        List<Long> locked = new java.util.ArrayList<>();
        for (PinConfig pin : modes().toList()) {
            PinFixture f = new PinFixture(pin, Long.MAX_VALUE,
                    MemoryConfig.ofBytesPerNode(PinFixture.GIB).withBootHugepages(32, 0)
                            .withLayout(org.kemu.mmgup.LayoutPolicy.FRAGMENTED),
                    Type1Costs.FREE);
            f.run(() -> {
                IommuDomain d = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
                long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.ANON, true);
                long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.HUGETLB_2M, true);
                f.sys.addressSpaces().populate(f.qemu, anon, 16 * MIB, true);
                f.sys.addressSpaces().populate(f.qemu, huge, 16 * MIB, true);
                f.c.mapDma(DmaMapRequest.rw(anon, 0x1000_0000L, 16 * MIB));
                f.c.mapDma(DmaMapRequest.rw(huge, 0x4000_0000L, 16 * MIB));
                assertThat(f.c.checkInvariants()).isEmpty();
                maps.add(d.mappings());
                locked.add(f.qemu.lockedVm());
            });
        }
        assertThat(maps.get(0)).hasSizeGreaterThan(2);
        for (int i = 1; i < maps.size(); i++) {
            assertThat(maps.get(i)).isEqualTo(maps.get(0));
            assertThat(locked.get(i)).isEqualTo(locked.get(0));
        }
    }

    /**
     * Device memory (VM_PFNMAP BAR): mapped from the pfn lookup, never pinned or charged; the dma is
     * marked has_rsvd and unmapping puts nothing (docs/kernel/vfio-gup.md sections 1.6, 1.10).
     */
    @ParameterizedTest
    @MethodSource("kernelModes")
    void pfnmapBarIsMappedNotPinnedNorCharged(PinConfig pin) {
        PinFixture f = new PinFixture(pin);
        f.run(() -> {
            IommuDomain d = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long base = f.sys.physicalMemory().addIoRegion(8 * MIB >>> 12);
            long bar = f.sys.addressSpaces().mmapPfn(f.qemu, 8 * MIB, base, true, MmConstants.PMD_ORDER);
            f.c.mapDma(DmaMapRequest.rw(bar, 0x4000_0000L, 8 * MIB));
            assertThat(d.iovaToPhys(0x4000_0000L)).isEqualTo(base << 12);
            assertThat(f.qemu.lockedVm()).isZero();
            assertThat(f.sys.physicalMemory().pinnedPages()).isZero();
            assertThat(f.iommu().dmas().entries().get(0).hasRsvd()).isTrue();
            assertThat(f.c.checkInvariants()).isEmpty();
            f.c.unmapDma(DmaUnmapRequest.all());
            assertThat(d.mappedBytes()).isZero();
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }

    /** A hole in the VA range is EFAULT (docs/kernel/vfio-gup.md section 1.4) and the partial map is undone. */
    @ParameterizedTest
    @MethodSource("modes")
    void holeIsEfaultAndPartialMapUndone(PinConfig pin) {
        PinFixture f = new PinFixture(pin);
        f.run(() -> {
            IommuDomain d = f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.ANON, true);
            f.sys.addressSpaces().munmap(f.qemu, anon + 10 * MIB, 2 * MIB);
            assertThatThrownBy(() -> f.c.mapDma(DmaMapRequest.rw(anon, 0x1000_0000L, 16 * MIB)))
                    .satisfies(e -> assertThat(((KernelException) e).errno()).isEqualTo(Errno.EFAULT));
            assertThat(d.mappedBytes()).isZero();
            assertThat(f.qemu.lockedVm()).isZero();
            assertThat(f.sys.physicalMemory().pinnedPages()).isZero();
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }

    /** Patch 8: the lock cache is drawn from, and its leftover returned (locked_vm exact afterwards). */
    @org.junit.jupiter.api.Test
    void lockCacheLeftoverIsReturned() {
        PinFixture f = new PinFixture(PinConfig.serial().withLockCachePages(3000));
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.ANON, true);
            f.c.mapDma(DmaMapRequest.rw(anon, 0x1000_0000L, 16 * MIB));
            assertThat(f.qemu.lockedVm()).isEqualTo(4096);
            // one physically contiguous run: the cache covers 3000 pages, the run's own charge the
            // other 1096, and no run follows to refill (see the next test)
            assertThat(f.c.stats().runs()).isEqualTo(1);
            assertThat(f.c.stats().lockCacheRefills()).isEqualTo(1);
            assertThat(f.c.stats().lockAcctCalls()).isEqualTo(2);
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }

    /**
     * Patch 8 refills the cache only at the top of vfio_pin_map_dma_chunk()'s loop: a run that empties
     * it part-way counts the rest of its pages into lock_acct (vfio_pin_pages_remote: "if
     * (*lock_cache > 0) (*lock_cache)--; else lock_acct++;"), charged at the end of the run, and the
     * next run refills. With a 3000-page cache over eight 512-page hugetlb runs, the sixth run
     * empties it after 440 pages: three mmap write locks (refill, the run's 72 pages, refill of the
     * 1024 left), where refilling mid-run would take two.
     */
    @org.junit.jupiter.api.Test
    void aRunThatEmptiesTheCacheChargesItsRestThenTheNextRunRefills() {
        PinFixture f = new PinFixture(PinConfig.serial().withLockCachePages(3000));
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long huge = f.sys.addressSpaces().mmap(f.qemu, 0, 16 * MIB, VmaKind.HUGETLB_2M, true);
            f.c.mapDma(DmaMapRequest.rw(huge, 0x1000_0000L, 16 * MIB));
            Type1Stats s = f.c.stats();
            // the LIFO pool hands out descending pfns: one run per 2 MiB page
            assertThat(s.runsByPages()).containsExactly(java.util.Map.entry(512L, 8L));
            assertThat(s.lockCacheRefills()).isEqualTo(2);
            assertThat(s.lockAcctCalls()).isEqualTo(3);
            assertThat(f.qemu.lockedVm()).isEqualTo(4096);
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }

    /**
     * A vaddr that is no user address: vaddr_get_pfns()'s pin_user_pages_remote() finds no VMA, EFAULT,
     * in every pin mode; padata's job runs on it like any other range (issue 17 defect 6: padata's own
     * range checks answered EINVAL).
     */
    @ParameterizedTest
    @MethodSource("kernelModes")
    void nonUserVaddrIsEfaultInEveryMode(PinConfig pin) {
        PinFixture f = new PinFixture(pin);
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            for (long vaddr : new long[] {0xffffffffffffd000L, 0x4000000000000000L}) {
                assertThatThrownBy(() -> f.c.mapDma(DmaMapRequest.of(2, vaddr, 0xffffffffd000L, 0x1000L)))
                        .isInstanceOfSatisfying(KernelException.class, e -> {
                            assertThat(e.errno()).isEqualTo(Errno.EFAULT);
                            assertThat(e.check()).isEqualTo("gup:no_vma");
                        });
            }
            assertThat(f.c.getInfo(1 << 10).dmaAvail()).isEqualTo(65535);
            assertThat(f.c.checkInvariants()).isEmpty();
        });
    }
}
