package org.kemu.integrationtests.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.Backing;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.PinMode;
import org.kemu.mmgup.MmConstants;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Task;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomain;

/**
 * Issue 17, "adversarial suites": the iommufd_fail_nth loop over one MAP_DMA, arming not only
 * qemu's task but, in turn, every task the map creates (padata helpers and kworkers, user-space
 * MAP_DMA threads) through {@link HelperArmingKernel}, on anonymous, THP, 2 MiB and 1 GiB hugetlb
 * memory. For each armed task and n = 1, 2, ... until the n-th point is no longer reached: a fresh
 * machine; a failed MAP_DMA fails with the injected point's errno and check; afterwards nothing is
 * left (pins, locked_vm, IOMMU mappings, dma_avail; after UNMAP_DMA and munmap also free pages, the
 * hugetlb pool and its reservations); and the identical MAP_DMA, retried unarmed, succeeds.
 *
 * <p>CI sweeps six pin modes with the kernel's batch size; {@code -Padversarial-large}
 * ({@code kemu.adversarial.failnth=full}) sweeps all twelve with 16-page batches, so every refill
 * path is reached (docs/testing.md).
 */
class FailNthHelpersIT {
    static final long MIB = 1L << 20;
    static final long IOVA = 0x1000_0000L;
    static final long MAP_BYTES = 8 * MIB;
    static final int MAX_N = 5000;

    static boolean full() {
        return "full".equals(System.getProperty("kemu.adversarial.failnth", ""));
    }

    static Stream<Arguments> cells() {
        Set<String> ci = Set.of("serial", "folio-serial+cache", "padata+cache", "folio-padata", "user-threads",
                "user-threads-unlocked+cache");
        List<Arguments> out = new ArrayList<>();
        for (PinMode p : AdversarialMatrix.pinModes()) {
            if (!full() && !ci.contains(p.label())) {
                continue;
            }
            PinMode sized = new PinMode(p.label(), p.pin().withBatchCapacity(full() ? 16 : 512), p.user());
            for (Backing b : Backing.values()) {
                out.add(Arguments.of(sized, b));
            }
        }
        return out.stream();
    }

    /** What one armed run did. */
    private record Outcome(boolean fired, String site, KernelException error, int created, List<String> problems) {
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cells")
    void everyInjectionIntoTheMainTaskOrAHelperFailsCleanlyAndARetrySucceeds(PinMode p, Backing b) {
        int helpers = runOnce(p, b, -2, 1).created();
        if (p.concurrentPins()) {
            assertThat(helpers).as("tasks the map creates").isPositive();
        }
        Set<String> sites = new LinkedHashSet<>();
        Set<String> helperSites = new LinkedHashSet<>();
        int injections = 0;
        for (int target = -1; target < helpers; target++) {
            int n = 1;
            for (; n <= MAX_N; n++) {
                Outcome o = runOnce(p, b, target, n);
                String at = p + " / " + b + " task " + (target < 0 ? "qemu" : "#" + target) + " n=" + n + " site "
                        + o.site() + " error " + o.error();
                assertThat(o.problems()).as(at).isEmpty();
                if (!o.fired()) {
                    assertThat(o.error()).as(at + ": nothing injected, so nothing fails").isNull();
                    break;
                }
                injections++;
                (target < 0 ? sites : helperSites).add(o.site());
                if (o.error() != null) {
                    // the injected failure is what comes out: its errno and the check of that site
                    assertThat(o.error().check()).as(at).isEqualTo(o.site());
                }
            }
            assertThat(n).as("the sweep of task %d ends", target).isLessThan(MAX_N);
        }
        if (!p.user().used()) {
            // user space: qemu's own task only checks and spawns, its MAP_DMA threads do the rest
            assertThat(sites).as("points qemu's task reached").contains("vfio_dma_do_map:kzalloc");
        }
        if (p.concurrentPins()) {
            assertThat(helperSites).as("points the helpers reached").isNotEmpty();
        }
        assertThat(injections).isPositive();
        System.out.println("fail-nth " + p + " / " + b + ": " + injections + " injections over " + (helpers + 1)
                + " tasks; qemu's points " + sites + ", helpers' " + helperSites);
    }

    /**
     * A fresh machine: attach a domain, mmap the backing, arm ({@code target} -1: qemu's task; k >= 0:
     * the k-th task the map creates; -2: nothing), MAP_DMA, check, retry if it failed, UNMAP_ALL,
     * munmap, check nothing is left.
     */
    private static Outcome runOnce(PinMode p, Backing b, int target, int n) {
        HelperArmingKernel k = new HelperArmingKernel(Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), 7)));
        Type1World w = new Type1World(k, p, b);
        Object[] out = new Object[5];
        List<String> problems = new ArrayList<>();
        w.run(() -> {
            IommuDomain dom = w.attachDomain();
            long len = Math.max(MAP_BYTES, b.pageSize);
            long va = w.as.mmap(w.qemu, 0, len, b.kind, true);
            DmaMapRequest req = DmaMapRequest.rw(va, IOVA, MAP_BYTES);
            Task me = k.current();
            if (target == -1) {
                FailNth.arm(me, n);
            } else if (target >= 0) {
                k.armNextTasks(target, n);
            } else {
                k.armNextTasks(Integer.MAX_VALUE, 1);
            }
            KernelException err = null;
            try {
                w.mapDma(req);
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
            if (err != null) {
                if (p.user().used()) {
                    // user space: the slices that succeeded stay mapped; qemu unmaps the request's range
                    w.c.unmapDma(DmaUnmapRequest.range(IOVA, MAP_BYTES));
                }
                expectEmpty(w, dom, "after the failed MAP_DMA (" + err + ")", problems);
                try {
                    w.mapDma(req); // the identical request, unarmed
                } catch (KernelException e) {
                    problems.add("the identical retry failed: " + e);
                }
            }
            if (problems.isEmpty()) {
                long pages = MAP_BYTES >>> MmConstants.PAGE_SHIFT;
                if (w.qemu.lockedVm() != pages || w.pm.pinnedPages() != pages) {
                    problems.add("mapped: locked_vm " + w.qemu.lockedVm() + ", pins " + w.pm.pinnedPages() + ", want "
                            + pages);
                }
                problems.addAll(w.checkers());
            }
            w.c.unmapDma(DmaUnmapRequest.all());
            w.as.munmap(w.qemu, va, len);
            expectEmpty(w, dom, "after UNMAP_ALL and munmap", problems);
            if (w.pm.totalFreePages() != w.bootFreePages) {
                problems.add("free pages " + w.pm.totalFreePages() + " != " + w.bootFreePages + " at boot");
            }
            if (b.kind.isHugetlb() && (w.freeHugepages() != b.poolPages() || w.pm.resvHugepages(b.order()) != 0)) {
                problems.add("hugetlb free " + w.freeHugepages() + " of " + b.poolPages() + ", resv "
                        + w.pm.resvHugepages(b.order()));
            }
        });
        return new Outcome((Boolean) out[0], (String) out[1], (KernelException) out[2], (Integer) out[3], problems);
    }

    /** No pin, no charge, no IOMMU mapping, every dma entry free, and every checker quiet. */
    private static void expectEmpty(Type1World w, IommuDomain dom, String when, List<String> problems) {
        if (w.pm.pinnedPages() != 0 || w.qemu.lockedVm() != 0 || !dom.mappings().isEmpty()
                || w.dmaAvail() != Type1World.DMA_LIMIT) {
            problems.add(when + ": pins " + w.pm.pinnedPages() + ", locked_vm " + w.qemu.lockedVm() + ", IOMMU runs "
                    + dom.mappings().size() + ", dma_avail " + w.dmaAvail());
        }
        for (String v : w.checkers()) {
            problems.add(when + ": " + v);
        }
    }
}
