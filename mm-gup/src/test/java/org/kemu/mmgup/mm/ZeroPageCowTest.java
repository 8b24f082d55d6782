package org.kemu.mmgup.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.phys.PerCpuPages;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.Topology;
import org.kemu.schedfair.TaskSpec;

/**
 * qemu 6.2's prealloc touch of THP memory ({@code do_touch_pages}: read then write each 4 KiB page)
 * against the 5.14 paths it drives: the huge zero page on the read ({@code do_huge_pmd_anonymous_page}),
 * its split and the 4 KiB COW on the write ({@code do_huge_pmd_wp_page} fallback, {@code wp_page_copy}),
 * pages from the per-CPU lists ({@code rmqueue_pcplist}, {@code rmqueue_bulk}) and a TLB shootdown of
 * the other CPUs running the mm per COW ({@code ptep_clear_flush -> native_flush_tlb_multi}).
 */
class ZeroPageCowTest {
    private static final long PAGE = MmConstants.PAGE_SIZE;
    private static final long LEN = 64 * MmFixture.MIB;

    /** What a touch of LEN by {@code threads} tasks left: per-thread CPU time, pfns in VA order, timing. */
    record Touched(long[] cpuNs, long[] pfns, long elapsedNs, long freeAfterUnmap, long freeBefore, long pinned,
            int batch, org.kemu.mmgup.Vmstat vmstat) {
    }

    private static Touched touch(int threads, int maxStepPages) {
        // four cores of 10 GB/s each and a node that serves all four at once: the clearing never
        // queues for bandwidth, so CPU times compare the fault paths alone
        MachineSpec machine = new MachineSpec("four-cores", Topology.uniform(4), new MemoryBandwidth(40e9, 10e9),
                RuntimeCosts.FREE);
        MmFixture f = new MmFixture(Kernels.simulated(KernelConfig.of(machine, 42)),
                MemoryConfig.ofBytesPerNode(MmFixture.GIB), GupFlavour.FOLIO_BATCHED, GupCosts.defaults());
        PhysicalMemoryImpl pm = (PhysicalMemoryImpl) f.pm;
        ZeroPageCow cow = new ZeroPageCow(f.kernel, pm, ((DefaultAddressSpaces) f.mm).pageFault(), maxStepPages);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long[] cpu = new long[threads];
        long[] pfns = new long[(int) (LEN / PAGE)];
        long[] out = new long[6];
        out[0] = pm.totalFreePages();
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, LEN, VmaKind.ANON_THP, true);
            long t0 = f.kernel.now();
            long share = LEN / threads;
            List<Task> tasks = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                long from = va + i * share;
                tasks.add(f.kernel.spawn(TaskSpec.user("touch_pages#" + i, f.kernel.current().tgid()),
                        () -> cow.touch(m, from, share), child -> child.attach(MmStruct.class, m)));
            }
            for (Task t : tasks) {
                f.kernel.join(t);
            }
            out[1] = f.kernel.now() - t0;
            for (int i = 0; i < threads; i++) {
                cpu[i] = tasks.get(i).sumExecRuntime();
            }
            for (int i = 0; i < pfns.length; i++) {
                pfns[i] = f.mm.followPfn(m, va + i * PAGE);
            }
            // the pin walks the 4 KiB PTEs (PageWalk.readPfns on the run-length slots)
            long[] got = new long[pfns.length];
            out[3] = f.pinRemote(m, va, pfns.length, Foll.WRITE | Foll.LONGTERM, got);
            assertThat(got).containsExactly(pfns);
            f.gup.unpinUserPages(got, got.length);
            f.mm.munmap(m, va, LEN);
        });
        out[2] = pm.totalFreePages();
        assertThat(pm.vmstat().thpFaultAlloc()).isZero();
        assertThat(pm.vmstat().pgfault()).isGreaterThanOrEqualTo(LEN / PAGE);
        return new Touched(cpu, pfns, out[1], out[2], out[0], out[3], pm.pcp().batch(0), pm.vmstat());
    }

    @Test
    void zoneBatchsizeFollows514() {
        // zone_batchsize(): min(managed >> 10, 256) / 4, then rounddown_pow_of_two(b + b/2) - 1
        assertThat(PerCpuPages.zoneBatchsize(262144)).isEqualTo(63); // 1 GiB
        assertThat(PerCpuPages.zoneBatchsize(100L << 18)).isEqualTo(63); // 100 GiB: capped by the 1 MiB term
        assertThat(PerCpuPages.zoneBatchsize(16384)).isEqualTo(3); // 64 MiB: 16 / 4 = 4 -> 6 -> 4 - 1
        assertThat(PerCpuPages.zoneBatchsize(1000)).isZero(); // tiny zone: 1 -> rounddown(1) - 1; the pcp uses max(1, it)
    }

    @Test
    void thpMemoryTouchedByQemuIsSmallPagesInRunsOfOnePcpBatch() {
        Touched t = touch(4, Integer.MAX_VALUE);
        int share = t.pfns().length / 4;
        int boundaries = 0;
        for (int i = 0; i < t.pfns().length; i++) {
            assertThat(t.pfns()[i]).isNotNegative();
            // (the last two refills of a share are left out: a thread whose touch ends returns its
            // list's leftover to the buddy, and a later refill elsewhere may start with those pages)
            if (i % share != 0 && i % share < share - 2 * t.batch() && t.pfns()[i] != t.pfns()[i - 1] + 1) {
                // a thread's pages come from its CPU's list, refilled batch pages at a time: a
                // physical discontinuity can only fall where a refill began
                assertThat((i % share) % t.batch()).as("page %d", i).isZero();
                boundaries++;
            }
        }
        // four CPUs refilling from one buddy interleave: most refills are not adjacent to the last
        assertThat(boundaries).isGreaterThan(t.pfns().length / t.batch() / 2);
        assertThat(t.pinned()).isEqualTo(t.pfns().length);
        // nothing leaks: the COWed pages and the per-CPU lists are back in the buddy
        assertThat(t.freeAfterUnmap()).isEqualTo(t.freeBefore());
    }

    @Test
    void aLoneThreadGetsAscendingPfnsAndPaysNoShootdownIpis() {
        Touched one = touch(1, Integer.MAX_VALUE);
        for (int i = 1; i < one.pfns().length; i++) {
            assertThat(one.pfns()[i]).isEqualTo(one.pfns()[i - 1] + 1);
        }
        Touched four = touch(4, Integer.MAX_VALUE);
        MmCosts c = MmCosts.defaults();
        long pagesPerThread = LEN / PAGE / 4;
        // one thread touching LEN/4 alone: no other CPU runs the mm, so no IPI is sent or received
        long alone = one.cpuNs()[0] / 4;
        // with four: each COW (and each split) flushes the 3 other CPUs, and each receives theirs
        long ipis = (pagesPerThread + pagesPerThread / 512) * 3 * (c.ipiSendNs() + c.ipiHandleNs());
        for (long ns : four.cpuNs()) {
            assertThat((double) (ns - alone)).isCloseTo(ipis, org.assertj.core.data.Percentage.withPercentage(5));
        }
    }

    /**
     * The vmstat TLB counters of arch/x86/mm/tlb.c: every COW ({@code ptep_clear_flush}) and every split
     * huge zero PMD ({@code pmdp_huge_clear_flush}) flushes the local TLB once (nr_tlb_local_flush_one);
     * {@code native_flush_tlb_multi} counts nr_tlb_remote_flush once per flush that has other CPUs to
     * shoot down, and each target counts nr_tlb_remote_flush_received.
     */
    @Test
    void everyCowAndSplitIsOneTlbFlushAndEachOtherCpuOneIpi() {
        long pages = LEN / PAGE;
        long flushes = pages + pages / 512;
        org.kemu.mmgup.Vmstat one = touch(1, Integer.MAX_VALUE).vmstat();
        assertThat(one.nrTlbLocalFlushOne()).isEqualTo(flushes);
        assertThat(one.nrTlbRemoteFlush()).isZero();
        assertThat(one.nrTlbRemoteFlushReceived()).isZero();
        org.kemu.mmgup.Vmstat four = touch(4, Integer.MAX_VALUE).vmstat();
        assertThat(four.nrTlbLocalFlushOne()).isEqualTo(flushes);
        // all four threads touch at once: almost every flush is remote, to the three other CPUs
        assertThat(four.nrTlbRemoteFlush()).isLessThanOrEqualTo(flushes).isGreaterThan(flushes * 95 / 100);
        assertThat(four.nrTlbRemoteFlushReceived()).isLessThanOrEqualTo(3 * four.nrTlbRemoteFlush())
                .isGreaterThan(3 * four.nrTlbRemoteFlush() * 95 / 100);
        // one step per page charges the same flushes and, while all four run, the same IPIs
        org.kemu.mmgup.Vmstat perPage = touch(4, 1).vmstat();
        assertThat(perPage.nrTlbLocalFlushOne()).isEqualTo(flushes);
    }

    @Test
    void coalescedStepsChargeWhatPerPageStepsCharge() {
        // ZeroPageCow's stated bound: totals are exact up to the IPIs a target receives in its last
        // step (paid when the step ends) and start/stop of the other threads inside one step
        Touched coalesced = touch(4, Integer.MAX_VALUE);
        Touched perPage = touch(4, 1);
        MmCosts c = MmCosts.defaults();
        long stepNs = coalesced.batch() * (c.faultNs() + c.ptlInstallPageNs() + c.clearPageNs()
                + 3 * (c.ipiSendNs() + c.ipiHandleNs()));
        long sumC = 0;
        long sumP = 0;
        for (int i = 0; i < 4; i++) {
            sumC += coalesced.cpuNs()[i];
            sumP += perPage.cpuNs()[i];
        }
        assertThat(Math.abs(sumC - sumP)).isLessThanOrEqualTo(4 * stepNs);
        assertThat(Math.abs(coalesced.elapsedNs() - perPage.elapsedNs())).isLessThanOrEqualTo(stepNs);
    }
}
