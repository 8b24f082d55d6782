package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * Several tasks faulting the same huge pages at once (issue 17 defect 4). 5.14's {@code hugetlb_fault()}
 * takes {@code hugetlb_fault_mutex_table[hugetlb_fault_mutex_hash(mapping, idx)]} around
 * {@code hugetlb_no_page()}, so the second faulter of a page finds it mapped and neither allocates nor
 * consumes a reservation: every reserved page can be faulted whatever the number of faulting tasks.
 */
class HugetlbConcurrentFaultTest {

    /** Prefault from {@code threads} tasks in equal shares of 2 GiB of 1 GiB pages: shares straddle pages. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 7, 16})
    void prefaultFromManyTasksFaultsEveryReservedPage(int threads) {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(3 * MmFixture.GIB).withBootHugepages(0, 2));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long len = 2 * MmFixture.GIB;
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, len, VmaKind.HUGETLB_1G, true);
            assertThat(f.pm.resvHugepages(MmConstants.PUD_ORDER)).isEqualTo(2);
            long share = (len / threads) & -MmConstants.PAGE_SIZE;
            List<Task> tasks = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                long from = va + i * share;
                long n = i == threads - 1 ? va + len - from : share;
                tasks.add(f.kernel.spawn(TaskSpec.user("prefault#" + i, f.kernel.current().tgid()),
                        () -> f.mm.populate(m, from, n, true), child -> child.attach(MmStruct.class, m)));
            }
            for (Task t : tasks) {
                f.kernel.join(t);
            }
            assertThat(f.mm.followPfn(m, va)).isNotNegative();
            assertThat(f.mm.followPfn(m, va + MmFixture.GIB)).isNotNegative();
            assertThat(f.pm.freeHugepages(0, MmConstants.PUD_ORDER)).isZero();
            assertThat(f.pm.resvHugepages(MmConstants.PUD_ORDER)).isZero();
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            f.mm.munmap(m, va, len);
            assertThat(f.pm.freeHugepages(0, MmConstants.PUD_ORDER)).isEqualTo(2);
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
        });
        // each 1 GiB page was faulted once: 2 x 262144 small-page faults, no duplicate
        assertThat(f.pm.vmstat().pgfault()).isEqualTo(len >>> 12);
    }

    /**
     * Racing faulters of one mapping must not consume another mapping's reservation: after the racy
     * mapping is gone, the untouched one still holds its reservation (hugetlb_vm_op_close gives back
     * exactly the unconsumed part of the closing mapping's reserve map).
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 16})
    void racingFaultsLeaveOtherMappingsReservations(int threads) {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(5 * MmFixture.GIB).withBootHugepages(0, 4));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long idle = f.mm.mmap(m, 0, MmFixture.GIB, VmaKind.HUGETLB_1G, true);
            long busy = f.mm.mmap(m, 0, MmFixture.GIB, VmaKind.HUGETLB_1G, true);
            List<Task> tasks = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                long from = busy + i * (MmFixture.GIB / threads);
                tasks.add(f.kernel.spawn(TaskSpec.user("fault#" + i, f.kernel.current().tgid()),
                        () -> f.mm.populate(m, from, MmFixture.GIB / threads, true),
                        child -> child.attach(MmStruct.class, m)));
            }
            for (Task t : tasks) {
                f.kernel.join(t);
            }
            assertThat(f.pm.resvHugepages(MmConstants.PUD_ORDER)).isEqualTo(1);
            assertThat(f.pm.freeHugepages(0, MmConstants.PUD_ORDER)).isEqualTo(3);
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            f.mm.munmap(m, busy, MmFixture.GIB);
            assertThat(f.pm.resvHugepages(MmConstants.PUD_ORDER)).isEqualTo(1);
            assertThat(f.mm.followPfn(m, idle)).isNegative();
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            f.mm.munmap(m, idle, MmFixture.GIB);
            assertThat(f.pm.resvHugepages(MmConstants.PUD_ORDER)).isZero();
        });
    }

    /**
     * A split shares the reserve map; each part gives back only its own unconsumed reservations when
     * it closes (hugetlb_vm_op_close), and a fault of a split-off part consumes its own index's.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void splitPartsKeepTheirOwnReservations(int faulted) {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(8, 0));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long huge = MmConstants.PMD_SIZE;
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 4 * huge, VmaKind.HUGETLB_2M, true);
            f.mm.populate(m, va + faulted * huge, huge, true);
            assertThat(f.pm.resvHugepages(MmConstants.PMD_ORDER)).isEqualTo(3);
            f.mm.munmap(m, va + huge, 2 * huge);
            long kept = (faulted == 0 ? 0 : 1) + (faulted == 3 ? 0 : 1);
            assertThat(f.pm.resvHugepages(MmConstants.PMD_ORDER)).isEqualTo(kept);
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            f.mm.populate(m, va + 3 * huge, huge, true);
            assertThat(f.pm.resvHugepages(MmConstants.PMD_ORDER)).isEqualTo(faulted == 0 ? 0 : 1);
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            f.mm.exitMmap(m);
            assertThat(f.pm.resvHugepages(MmConstants.PMD_ORDER)).isZero();
            assertThat(f.pm.freeHugepages(0, MmConstants.PMD_ORDER)).isEqualTo(8);
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
        });
    }

    /** Reservations taken through the pool API count as direct ones; a mapping's cannot be dropped through it. */
    @org.junit.jupiter.api.Test
    void directReservationsAreCountedApartFromMappings() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(4, 0));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            f.mm.mmap(m, 0, 2 * MmConstants.PMD_SIZE, VmaKind.HUGETLB_2M, true);
            assertThat(f.pm.hugetlbReservePages(MmConstants.PMD_ORDER, 1)).isTrue();
            assertThat(f.pm.hugetlbReservedByMappings(MmConstants.PMD_ORDER)).isEqualTo(2);
            assertThat(f.pm.hugetlbDirectReservations(MmConstants.PMD_ORDER)).isEqualTo(1);
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> f.pm.hugetlbUnreservePages(MmConstants.PMD_ORDER, 2))
                    .isInstanceOf(org.kemu.schedfair.KernelException.class);
            // consuming the direct reservation leaves the mapping's two alone
            long page = f.pm.allocHugetlbFolio(0, MmConstants.PMD_ORDER, true, false);
            assertThat(page).isNotNegative();
            assertThat(f.pm.hugetlbDirectReservations(MmConstants.PMD_ORDER)).isZero();
            assertThat(f.pm.resvHugepages(MmConstants.PMD_ORDER)).isEqualTo(2);
            // with no direct reservation left, a "reserved" allocation takes only the unreserved page
            long other = f.pm.allocHugetlbFolio(0, MmConstants.PMD_ORDER, true, false);
            assertThat(other).isNotNegative();
            assertThat(f.pm.allocHugetlbFolio(0, MmConstants.PMD_ORDER, true, false)).isEqualTo(-1);
            assertThat(f.pm.resvHugepages(MmConstants.PMD_ORDER)).isEqualTo(2);
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            f.pm.freeHugetlbFolio(page);
            f.pm.freeHugetlbFolio(other);
        });
    }

    /**
     * The checker sees the state the unserialised fault left: a page taken with a reservation that no
     * mapping's reserve map records as consumed (resv_huge_pages below what the mappings hold).
     */
    @org.junit.jupiter.api.Test
    void checkerReportsAReservationConsumedOutsideAnyReserveMap() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(4, 0));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        org.kemu.mmgup.phys.PhysicalMemoryImpl impl = (org.kemu.mmgup.phys.PhysicalMemoryImpl) f.pm;
        f.run(m, () -> {
            f.mm.mmap(m, 0, 2 * MmConstants.PMD_SIZE, VmaKind.HUGETLB_2M, true);
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            impl.meta().lock();
            try {
                assertThat(impl.hugetlb().allocHugetlbLocked(0, MmConstants.PMD_ORDER, true)).isNotNegative();
            } finally {
                impl.meta().unlock();
            }
            assertThat(MmInvariants.checkHugetlbReservations(f.pm)).containsExactly("hugetlb order 9: resv_hugepages 1"
                    + " != 2 reserved-but-unfaulted pages of live mappings + 0 direct reservations");
        });
    }
}
