package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.PinLocking;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Stats;

/**
 * The 2018 ktask v4 series' locking stages on a serial MAP_DMA of 64 hugetlb pages (one run per huge
 * page, HugetlbRunsTest) with GUP batches of 16 pages, so each run takes 32 batches:
 * (i) 5.14: {@code vfio_lock_acct()} under {@code mmap_write_lock_killable()} once per run, the read
 * lock once per batch; (ii) v4 07-08/13: locked_vm an {@code atomic_long_t}, no writer; (iii) v4 09/13:
 * the read lock taken once per {@code vfio_pin_pages_remote()} run.
 */
class PinLockingTest {
    private static final int HUGE_PAGES = 64;
    private static final long SIZE = HUGE_PAGES * MmConstants.PMD_SIZE;
    private static final long PAGES = SIZE >> MmConstants.PAGE_SHIFT;

    private record Pinned(Type1Stats stats, long mmapAcquisitions, long lockedVm) {
    }

    private static Pinned pin(PinLocking locking) {
        PinFixture f = new PinFixture(PinConfig.serial().withBatchCapacity(16).withLocking(locking), Long.MAX_VALUE,
                MemoryConfig.ofBytesPerNode(PinFixture.GIB).withBootHugepages(HUGE_PAGES, 0), Type1Costs.FREE);
        Object[] out = new Object[3];
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long va = f.sys.addressSpaces().mmap(f.qemu, 0, SIZE, VmaKind.HUGETLB_2M, true);
            long before = f.qemu.mmapLock().stats().acquisitions();
            f.c.mapDma(DmaMapRequest.rw(va, 1L << 32, SIZE));
            out[1] = f.qemu.mmapLock().stats().acquisitions() - before;
            out[0] = f.c.stats();
            out[2] = f.qemu.lockedVm();
            assertThat(f.c.checkInvariants()).isEmpty();
        });
        return new Pinned((Type1Stats) out[0], (Long) out[1], (Long) out[2]);
    }

    @Test
    void stageOneChargesUnderTheWriteLockOncePerRun() {
        Pinned p = pin(PinLocking.MMAP_WRITE_ACCT);
        assertThat(p.stats().runs()).isEqualTo(HUGE_PAGES);
        assertThat(p.stats().lockAcctCalls()).isEqualTo(HUGE_PAGES);
        assertThat(p.stats().lockAcctAtomicCalls()).isZero();
        assertThat(p.stats().mmapReadLocks()).isEqualTo(p.stats().batchRefills()).isEqualTo(PAGES / 16);
        // every acquisition of the mmap lock is a batch's reader or an accounting writer
        assertThat(p.mmapAcquisitions()).isEqualTo(p.stats().mmapReadLocks() + p.stats().lockAcctCalls());
        assertThat(p.lockedVm()).isEqualTo(PAGES);
    }

    @Test
    void stageTwoTakesNoWriter() {
        // ktask v4 08/13 "vfio: remove unnecessary mmap_sem writer to reduce contention"
        Pinned p = pin(PinLocking.ATOMIC_LOCKED_VM);
        assertThat(p.stats().lockAcctCalls()).isZero();
        assertThat(p.stats().lockAcctAtomicCalls()).isEqualTo(HUGE_PAGES);
        assertThat(p.mmapAcquisitions()).isEqualTo(p.stats().mmapReadLocks()).isEqualTo(PAGES / 16);
        assertThat(p.lockedVm()).isEqualTo(PAGES);
    }

    @Test
    void stageThreeTakesTheReadLockOncePerRun() {
        // ktask v4 09/13: down_read() once in vfio_pin_pages_remote(), vaddr_get_pfn(..., false) inside
        Pinned two = pin(PinLocking.ATOMIC_LOCKED_VM);
        Pinned three = pin(PinLocking.ATOMIC_LOCKED_VM_READ_HELD);
        assertThat(three.stats().batchRefills()).isEqualTo(two.stats().batchRefills());
        assertThat(three.stats().mmapReadLocks()).isEqualTo(three.stats().runs()).isEqualTo(HUGE_PAGES);
        assertThat(three.mmapAcquisitions()).isEqualTo(HUGE_PAGES).isLessThan(two.mmapAcquisitions());
        assertThat(three.stats().lockAcctCalls()).isZero();
        assertThat(three.lockedVm()).isEqualTo(PAGES);
    }

    @Test
    void atomicChargeOverTheLimitFailsWithEnomemAndLeavesNothing() {
        // atomic_long_add_return() over RLIMIT_MEMLOCK is backed out with atomic_long_sub(): ENOMEM
        for (PinLocking l : new PinLocking[] {PinLocking.ATOMIC_LOCKED_VM, PinLocking.ATOMIC_LOCKED_VM_READ_HELD}) {
            PinFixture f = new PinFixture(PinConfig.serial().withLocking(l), 16 * PinFixture.MIB,
                    MemoryConfig.ofBytesPerNode(PinFixture.GIB).withBootHugepages(HUGE_PAGES, 0), Type1Costs.FREE);
            KernelException[] err = new KernelException[1];
            f.run(() -> {
                f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
                long va = f.sys.addressSpaces().mmap(f.qemu, 0, SIZE, VmaKind.HUGETLB_2M, true);
                try {
                    f.c.mapDma(DmaMapRequest.rw(va, 1L << 32, SIZE));
                } catch (KernelException e) {
                    err[0] = e;
                }
                assertThat(f.c.checkInvariants()).isEmpty();
                assertThat(f.qemu.lockedVm()).isZero();
                assertThat(f.sys.physicalMemory().pinnedPages()).isZero();
                assertThat(f.qemu.mmapLock().readers()).isZero();
            });
            assertThat(err[0]).as(l.name()).isNotNull();
            assertThat(err[0].errno()).isEqualTo(Errno.ENOMEM);
        }
    }

    @Test
    void theDefaultIsFiveFourteens() {
        assertThat(PinConfig.serial().locking()).isEqualTo(PinLocking.MMAP_WRITE_ACCT);
        assertThat(PinConfig.padata(16).locking()).isEqualTo(PinLocking.MMAP_WRITE_ACCT);
        assertThat(PinConfig.padata(16).label()).isEqualTo("padata-16");
        assertThat(PinConfig.padata(16).withLocking(PinLocking.ATOMIC_LOCKED_VM_READ_HELD).label())
                .isEqualTo("padata-16, atomic locked_vm, read lock per run");
    }
}
