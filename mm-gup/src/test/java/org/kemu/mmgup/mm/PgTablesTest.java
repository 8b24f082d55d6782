package org.kemu.mmgup.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.CgroupProcs;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.MemCgroup;
import org.kemu.schedfair.TaskMemory;
import org.kemu.schedfair.TaskSpec;

/**
 * Memcg charging of a fault's pages (5.14): user pages to the mm owner's group
 * ({@code do_anonymous_page} / {@code __do_huge_pmd_anonymous_page}: {@code mem_cgroup_charge(page,
 * vma->vm_mm)}), page-table pages ({@code GFP_PGTABLE_USER}: {@code pud_alloc_one},
 * {@code pmd_alloc_one}, {@code pte_alloc_one}) to {@code get_obj_cgroup_from_current()}, none for a
 * kthread without an active memcg ({@code memcg_kmem_bypass}); all uncharged by munmap's
 * {@code free_pgtables} and the pages' free.
 */
class PgTablesTest {
    static final long MIB = MmFixture.MIB;
    static final long GIB = MmFixture.GIB;
    /** A fixed address at the start of a 1 GiB (and so 2 MiB) region, inside one 512 GiB PUD span. */
    static final long VA = 4 * GIB;

    private static MemCgroup group(long max) {
        return MemCgroup.ROOT.child("qemu", max);
    }

    @Test
    void fourKFaultsChargeOnePtePagePer2MibAndOnePmdAndPudPageToTheOwnerAgainAfterAnUnmap() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        MemCgroup cg = group(MemCgroup.MAX);
        f.run(m, () -> {
            CgroupProcs.write(f.kernel.current(), cg);
            // twice: PgTables remembers the table page last seen present per level, and the
            // unmap's free must make it forget, or the second round's faults would skip the tables
            for (int round = 0; round < 2; round++) {
                f.mm.mmap(m, VA, 4 * MIB, VmaKind.ANON, true);
                f.mm.populate(m, VA, 4 * MIB, true);
                // 1024 user pages; 2 PTE pages (__pte_alloc), 1 PMD page, 1 PUD page
                assertThat(m.pgtablesBytes()).isEqualTo(4 * 4096);
                assertThat(m.pgtableCharges()).containsEntry(cg, 4L);
                assertThat(cg.current()).isEqualTo(1024 + 4);
                assertThat(MmInvariants.checkMemcgCharges(f.pm, List.of(m))).isEmpty();
                f.mm.munmap(m, VA, 4 * MIB);
                assertThat(m.pgtablesBytes()).isZero();
                assertThat(cg.current()).isZero();
            }
        });
    }

    @Test
    void thpFaultChargesTheFolioAndItsDepositedTable() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        MemCgroup cg = group(MemCgroup.MAX);
        f.run(m, () -> {
            CgroupProcs.write(f.kernel.current(), cg);
            f.mm.mmap(m, VA, 4 * MIB, VmaKind.ANON_THP, true);
            f.mm.populate(m, VA, 4 * MIB, true);
            assertThat(f.pm.folioOrder(f.mm.followPfn(m, VA))).isEqualTo(9);
            // two THPs of 512 pages; each deposits one PTE page (pte_alloc_one), plus the PMD and PUD pages
            assertThat(cg.current()).isEqualTo(1024 + 4);
            assertThat(m.pgtablesBytes()).isEqualTo(4 * 4096);
            f.mm.munmap(m, VA, 4 * MIB);
            assertThat(cg.current()).isZero();
        });
    }

    @Test
    void hugetlbPagesAreNotChargedAndNeedNoPteLevel() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(4 * GIB).withBootHugepages(8, 1));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        MemCgroup cg = group(MemCgroup.MAX);
        f.run(m, () -> {
            CgroupProcs.write(f.kernel.current(), cg);
            f.mm.mmap(m, VA, 4 * MIB, VmaKind.HUGETLB_2M, true);
            f.mm.populate(m, VA, 4 * MIB, true);
            // huge_pte_alloc for 2 MiB: pud_alloc + pmd_alloc; the huge pages go to the hugetlb cgroup
            assertThat(cg.current()).isEqualTo(2);
            f.mm.mmap(m, 2 * VA, GIB, VmaKind.HUGETLB_1G, true);
            f.mm.populate(m, 2 * VA, GIB, true);
            // a 1 GiB page is a PUD entry: no PMD page (8 GiB is in the same 512 GiB PUD span)
            assertThat(cg.current()).isEqualTo(2);
            assertThat(m.pgtablesBytes()).isEqualTo(2 * 4096);
            f.mm.munmap(m, 2 * VA, GIB);
            assertThat(m.pgtablesBytes()).isEqualTo(2 * 4096); // the PUD page still maps the 2 MiB VMA
            f.mm.munmap(m, VA, 4 * MIB);
            assertThat(m.pgtablesBytes()).isZero();
            assertThat(cg.current()).isZero();
        });
    }

    @Test
    void aKthreadFaultingTheMmChargesItsUserPagesButNotItsPageTablesUnlessAnActiveMemcgIsSet() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        MemCgroup cg = group(MemCgroup.MAX);
        f.run(m, () -> {
            CgroupProcs.write(f.kernel.current(), cg);
            f.mm.mmap(m, VA, 4 * MIB, VmaKind.ANON, true);
            f.mm.mmap(m, VA + GIB, 2 * MIB, VmaKind.ANON, true);
        });
        // memcg_kmem_bypass: PF_KTHREAD and no active memcg, so GFP_ACCOUNT charges nobody
        f.kernel.spawn(TaskSpec.kthread("helper"), () -> f.mm.populate(m, VA, 4 * MIB, true));
        MmFixture.runAll(f.kernel);
        assertThat(cg.current()).isEqualTo(1024);
        assertThat(m.pgtablesBytes()).isEqualTo(4 * 4096);
        assertThat(m.pgtableCharges()).isEmpty();
        // set_active_memcg(cg): "allow remote memcg charging from any context"
        f.kernel.spawn(TaskSpec.kthread("helper-active"), () -> f.mm.populate(m, VA + GIB, 2 * MIB, true),
                t -> TaskMemory.set(t, TaskMemory.DEFAULTS.withActiveMemcg(cg)));
        MmFixture.runAll(f.kernel);
        // 512 user pages, one PTE page and the new 1 GiB region's PMD page (the PUD page exists)
        assertThat(cg.current()).isEqualTo(1024 + 512 + 2);
        assertThat(m.pgtableCharges()).containsEntry(cg, 2L);
        assertThat(MmInvariants.checkMemcgCharges(f.pm, List.of(m))).isEmpty();
        f.run(m, () -> f.mm.exitMmap(m));
        assertThat(cg.current()).isZero();
        assertThat(m.pgtablesBytes()).isZero();
    }

    @Test
    void memoryMaxJustBelowWhatTheTablesNeedFailsTheFaultWithEnomemAndKeepsTheChargesExact() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        // one leaf: 512 user pages + PUD, PMD and PTE page = 515; one page short
        MemCgroup cg = group(514);
        f.run(m, () -> {
            CgroupProcs.write(f.kernel.current(), cg);
            f.mm.mmap(m, VA, 2 * MIB, VmaKind.ANON, true);
            assertThatThrownBy(() -> f.mm.populate(m, VA, 2 * MIB, true)).isInstanceOfSatisfying(KernelException.class,
                    e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
                        assertThat(e.check()).isEqualTo("try_charge:memory.max");
                    });
            // the tables stay (as the kernel keeps them until free_pgtables); the pages went back
            assertThat(f.mm.followPfn(m, VA)).isEqualTo(-1);
            assertThat(cg.current()).isEqualTo(3);
            assertThat(cg.failcnt()).isEqualTo(1);
            assertThat(MmInvariants.checkMemcgCharges(f.pm, List.of(m))).isEmpty();
            f.mm.munmap(m, VA, 2 * MIB);
            assertThat(cg.current()).isZero();
        });
    }

    @Test
    void theInvariantCheckerSeesAChargeNoPageAccountsFor() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        MemCgroup cg = group(MemCgroup.MAX);
        m.setMemcg(cg);
        cg.charge(1);
        assertThat(MmInvariants.checkMemcgCharges(f.pm, List.of(m))).singleElement().asString()
                .contains("memory.current 1 != 0");
    }
}
