package org.kemu.integrationtests.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.Backing;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.PinMode;
import org.kemu.mmgup.CgroupProcs;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemCgroup;
import org.kemu.schedfair.Task;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;

/**
 * The RFC's TODO "Memory controller limits for helpers via active_memcg" on a real allocation path:
 * padata helpers pinning qemu's unpopulated memory fault it in. In 5.14 the user pages charge qemu's
 * group whoever faults ({@code mem_cgroup_charge(page, vma->vm_mm)}), but the page tables
 * ({@code GFP_PGTABLE_USER}: {@code pud_alloc_one}, {@code pmd_alloc_one}, {@code pte_alloc_one})
 * charge {@code get_obj_cgroup_from_current()}, which {@code memcg_kmem_bypass()} makes nobody for a
 * kthread: a helper's tables escape the group. padata's ACTIVE_MEMCG runs each helper under
 * {@code set_active_memcg(main's memcg)}, and then they count against memory.max too.
 */
class MemcgHelpersIT {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    /** 1 GiB aligned: the 8 MiB map needs one PUD page, one PMD page and four PTE pages. */
    static final long VA = 4 * GIB;
    static final long IOVA = 0x1000_0000L;
    static final long MAP_BYTES = 8 * MIB;
    static final long USER_PAGES = MAP_BYTES >>> 12;
    static final long TABLE_PAGES = 1 + 1 + 4;

    private static PinMode padataMode() {
        return AdversarialMatrix.pinModes().stream().filter(p -> p.label().equals("padata")).findFirst().orElseThrow();
    }

    private static Type1World world(HelperArmingKernel k, Backing b, boolean activeMemcg) {
        return new Type1World(k, padataMode(), b, new DefaultPadataFactory(
                PadataFeatures.rfc2022().withActiveMemcg(activeMemcg), PadataCosts.FREE).forKernel(k));
    }

    private static HelperArmingKernel kernel() {
        return new HelperArmingKernel(Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), 7)));
    }

    @Test
    void withoutTheSwitchTheHelpersPageTablesEscapeTheGroupAndThePinFitsALimitOnePageShort() {
        MemCgroup cg = MemCgroup.ROOT.child("qemu", USER_PAGES + TABLE_PAGES - 1);
        HelperArmingKernel k = kernel();
        Type1World w = world(k, Backing.ANON_4K, false);
        w.run(() -> {
            CgroupProcs.write(k.current(), cg);
            w.attachDomain();
            w.as.mmap(w.qemu, VA, MAP_BYTES, Backing.ANON_4K.kind, true);
            w.mapDma(DmaMapRequest.rw(VA, IOVA, MAP_BYTES));
            assertThat(w.qemu.pgtablesBytes()).isEqualTo(TABLE_PAGES * 4096);
            long charged = w.qemu.pgtableCharges().getOrDefault(cg, 0L);
            // the helpers faulted some chunks: their tables charged no group (memcg_kmem_bypass)
            assertThat(k.created()).isNotEmpty();
            assertThat(charged).isLessThan(TABLE_PAGES);
            assertThat(cg.current()).isEqualTo(USER_PAGES + charged);
            assertThat(w.checkers()).isEmpty();
            w.c.unmapDma(DmaUnmapRequest.all());
            w.as.munmap(w.qemu, VA, MAP_BYTES);
            assertThat(cg.current()).isZero();
            assertThat(w.checkers()).isEmpty();
        });
    }

    @Test
    void withTheSwitchTheSameLimitFailsTheJobWithEnomemAndUndoesIt() {
        MemCgroup cg = MemCgroup.ROOT.child("qemu", USER_PAGES + TABLE_PAGES - 1);
        HelperArmingKernel k = kernel();
        Type1World w = world(k, Backing.ANON_4K, true);
        w.run(() -> {
            CgroupProcs.write(k.current(), cg);
            IommuDomain dom = w.attachDomain();
            w.as.mmap(w.qemu, VA, MAP_BYTES, Backing.ANON_4K.kind, true);
            KernelException e = null;
            try {
                w.mapDma(DmaMapRequest.rw(VA, IOVA, MAP_BYTES));
            } catch (KernelException x) {
                e = x;
            }
            assertThat(e).isNotNull();
            assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
            assertThat(e.check()).isEqualTo("try_charge:memory.max");
            assertThat(cg.failcnt()).isPositive();
            // padata undid every chunk: no pin, no locked_vm, no IOMMU mapping, no dma entry
            assertThat(w.pm.pinnedPages()).isZero();
            assertThat(w.qemu.lockedVm()).isZero();
            assertThat(dom.mappings()).isEmpty();
            assertThat(w.dmaAvail()).isEqualTo(Type1World.DMA_LIMIT);
            // what was faulted stays mapped, as in 5.14, and every page of it is charged exactly once
            assertThat(w.checkers()).isEmpty();
            assertThat(cg.current()).isLessThanOrEqualTo(cg.max());
            w.as.munmap(w.qemu, VA, MAP_BYTES);
            assertThat(cg.current()).isZero();
            assertThat(w.pm.totalFreePages()).isEqualTo(w.bootFreePages);
        });
    }

    /** What one armed run did. */
    private record Outcome(boolean fired, String site, KernelException error, int created, List<String> problems) {
    }

    /**
     * The fail-nth loop of {@link FailNthHelpersIT} with ACTIVE_MEMCG and qemu in an unlimited group,
     * so every allocation charges: for qemu's task and each helper in turn, fail its n-th point for
     * n = 1, 2, ... until none is reached; after every run the memcg invariant (memory.current is the
     * charged page tables plus the charged user pages) and every other checker hold, and after
     * UNMAP_ALL and munmap nothing is charged, pinned or allocated.
     */
    @ParameterizedTest
    @EnumSource(value = Backing.class, names = {"ANON_4K", "THP", "HUGETLB_2M"})
    void failNthOverTheChargeSitesLeavesExactCharges(Backing b) {
        int helpers = runOnce(b, -2, 1).created();
        assertThat(helpers).isPositive();
        Set<String> sites = new LinkedHashSet<>();
        for (int target = -1; target < helpers; target++) {
            int n = 1;
            for (; n <= 2000; n++) {
                Outcome o = runOnce(b, target, n);
                String at = b + " task " + (target < 0 ? "qemu" : "#" + target) + " n=" + n + " site " + o.site()
                        + " error " + o.error();
                assertThat(o.problems()).as(at).isEmpty();
                if (!o.fired()) {
                    assertThat(o.error()).as(at).isNull();
                    break;
                }
                sites.add(o.site());
                if (o.error() != null && o.site().contains("charge")) {
                    assertThat(o.error().check()).as(at).isEqualTo(o.site());
                }
            }
            assertThat(n).isLessThan(2000);
        }
        assertThat(sites).contains("pud_alloc_one:memcg_kmem_charge", "pmd_alloc_one:memcg_kmem_charge");
        if (b.kind.isHugetlb()) {
            assertThat(sites).doesNotContain("pte_alloc_one:memcg_kmem_charge", "mem_cgroup_charge:try_charge");
        } else {
            assertThat(sites).contains("pte_alloc_one:memcg_kmem_charge", "mem_cgroup_charge:try_charge");
        }
    }

    private static Outcome runOnce(Backing b, int target, int n) {
        HelperArmingKernel k = kernel();
        Type1World w = world(k, b, true);
        MemCgroup cg = MemCgroup.ROOT.child("qemu", MemCgroup.MAX);
        Object[] out = new Object[4];
        List<String> problems = new ArrayList<>();
        w.run(() -> {
            CgroupProcs.write(k.current(), cg);
            IommuDomain dom = w.attachDomain();
            w.as.mmap(w.qemu, VA, MAP_BYTES, b.kind, true);
            Task me = k.current();
            if (target == -1) {
                FailNth.arm(me, n);
            } else {
                k.armNextTasks(target >= 0 ? target : Integer.MAX_VALUE, n);
            }
            KernelException err = null;
            try {
                w.mapDma(DmaMapRequest.rw(VA, IOVA, MAP_BYTES));
            } catch (KernelException e) {
                err = e;
            }
            Task armed = target == -1 ? me : k.armed();
            boolean fired = armed != null && FailNth.fired(armed);
            List<String> s = armed == null ? List.of() : FailNth.sites(armed);
            out[0] = fired;
            out[1] = fired && s.size() >= n ? s.get(n - 1) : null;
            out[2] = err;
            out[3] = k.created().size();
            if (armed != null) {
                FailNth.disarm(armed);
            }
            k.armNextTasks(-1, 0);
            if (err != null && (w.pm.pinnedPages() != 0 || w.qemu.lockedVm() != 0 || !dom.mappings().isEmpty())) {
                problems.add("after the failed MAP_DMA: pins " + w.pm.pinnedPages() + ", locked_vm "
                        + w.qemu.lockedVm() + ", IOMMU runs " + dom.mappings().size());
            }
            problems.addAll(w.checkers());
            w.c.unmapDma(DmaUnmapRequest.all());
            w.as.munmap(w.qemu, VA, MAP_BYTES);
            problems.addAll(w.checkers());
            if (cg.current() != 0 || w.qemu.pgtablesBytes() != 0 || w.pm.totalFreePages() != w.bootFreePages) {
                problems.add("after munmap: memory.current " + cg.current() + ", page tables "
                        + w.qemu.pgtablesBytes() + " bytes, free pages " + w.pm.totalFreePages() + " of "
                        + w.bootFreePages);
            }
        });
        return new Outcome((Boolean) out[0], (String) out[1], (KernelException) out[2], (Integer) out[3], problems);
    }
}
