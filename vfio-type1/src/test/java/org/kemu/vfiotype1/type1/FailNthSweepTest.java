package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.mmgup.LayoutPolicy;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Task;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.PinLocking;
import org.kemu.vfiotype1.Type1Costs;

/**
 * The iommufd_fail_nth loop (docs/kernel/vfio-gup.md section 4.2) over a small MAP_DMA + UNMAP_DMA in each pin mode:
 * for n = 1, 2, ... a fresh fixture, fail the n-th injection point reached by the ioctls, until a
 * run completes without reaching point n. A failed call fails with the injected point's errno, and
 * after every run the invariant checker finds nothing leaked. Batches are shrunk to 8 pages (as
 * the selftest shrinks iommufd's with SET_TEMP_MEMORY_LIMIT) so every refill path is reached.
 */
class FailNthSweepTest {
    static final long MIB = PinFixture.MIB;

    static java.util.stream.Stream<PinConfig> modes() {
        return PinModes.kernelDefaults().map(p -> p.withBatchCapacity(8).withLockCachePages(
                p.lockCachePages() == 0 ? 0 : 24));
    }

    /** The 2018 ktask stages: atomic locked_vm, with and without the read lock held per run. */
    static java.util.stream.Stream<PinConfig> ktaskModes() {
        return java.util.stream.Stream.of(PinLocking.ATOMIC_LOCKED_VM, PinLocking.ATOMIC_LOCKED_VM_READ_HELD)
                .flatMap(l -> java.util.stream.Stream.of(PinConfig.serial(), PinConfig.padata(16).withLockCachePages(24))
                        .map(p -> p.withBatchCapacity(8).withLocking(l)));
    }

    @ParameterizedTest
    @MethodSource("ktaskModes")
    void sweepKtaskLocking(PinConfig pin) {
        // ktask v4 08/13: vfio_lock_acct() no longer calls mmap_write_lock_killable(), so its EINTR point is
        // never reached; the atomic charge's ENOMEM point is, and every failure still leaves nothing behind
        Swept sw = sweepAll(pin);
        assertThat(sw.sites()).contains("mm:account_locked_vm", "gup:try_grab_folio", "iommu_map:pgtable_alloc")
                .doesNotContain(VfioLockAcct.FAIL_LOCK_ACCT);
    }

    private record Outcome(boolean fired, String site, KernelException error, List<String> leaks) {
    }

    @ParameterizedTest
    @MethodSource("modes")
    void sweep(PinConfig pin) {
        Swept sw = sweepAll(pin);
        assertThat(sw.sites()).contains("vfio_dma_do_map:kzalloc", VfioBatch.FAIL_BATCH_INIT,
                VfioLockAcct.FAIL_LOCK_ACCT, "gup:try_grab_folio", "mm:alloc_pages", "iommu_map:pgtable_alloc",
                "vfio_unmap_unpin:region_alloc");
        assertThat(sw.fatal()).contains("vfio_dma_do_map:kzalloc", VfioLockAcct.FAIL_LOCK_ACCT, "iommu_map:pgtable_alloc");
    }

    /** The sites a sweep injected at, and those whose failure came out of the call. */
    private record Swept(Set<String> sites, Set<String> fatal) {
    }

    /**
     * Fails the n-th injection point for n = 1, 2, ... until nothing is injected: after each run
     * nothing leaks, a run with nothing injected succeeds, and a failure that comes out is the
     * injected one (its errno and the check of that site).
     */
    private Swept sweepAll(PinConfig pin) {
        Set<String> sites = new LinkedHashSet<>();
        Set<String> fatal = new LinkedHashSet<>();
        int n = 1;
        for (; n <= 400; n++) {
            Outcome o = runOnce(pin, n);
            assertThat(o.leaks()).as("n=%d site %s", n, o.site()).isEmpty();
            if (!o.fired()) {
                assertThat(o.error()).as("n=%d: nothing injected, so nothing fails", n).isNull();
                break;
            }
            sites.add(o.site());
            if (o.error() != null) {
                assertThat(o.error().check()).as("n=%d", n).isEqualTo(o.site());
                fatal.add(o.site());
            }
        }
        assertThat(n).isGreaterThan(10).isLessThan(400);
        return new Swept(sites, fatal);
    }

    private Outcome runOnce(PinConfig pin, int n) {
        PinFixture f = new PinFixture(pin, Long.MAX_VALUE,
                MemoryConfig.ofBytesPerNode(256 * MIB).withLayout(LayoutPolicy.FRAGMENTED).withFragmentedOccupiedPerBlock(480),
                Type1Costs.FREE);
        Object[] out = new Object[4];
        f.run(() -> {
            f.c.attachDomain(IommuDomainSpec.vtd("vtd0"));
            long anon = f.sys.addressSpaces().mmap(f.qemu, 0, 256 * 1024, VmaKind.ANON, true);
            Task me = f.k.current();
            FailNth.arm(me, n);
            KernelException err = null;
            try {
                f.c.mapDma(DmaMapRequest.rw(anon, 0x1000_0000L, 256 * 1024));
                f.c.unmapDma(DmaUnmapRequest.all());
            } catch (KernelException e) {
                err = e;
            }
            List<String> s = FailNth.sites(me);
            out[0] = FailNth.fired(me);
            out[1] = s.size() >= n ? s.get(n - 1) : null;
            FailNth.disarm(me);
            out[2] = err;
            List<String> leaks = new ArrayList<>(f.c.checkInvariants());
            f.c.unmapDma(DmaUnmapRequest.all());
            leaks.addAll(f.c.checkInvariants());
            if (f.qemu.lockedVm() != 0 || f.sys.physicalMemory().pinnedPages() != 0) {
                leaks.add("after UNMAP_ALL: locked_vm " + f.qemu.lockedVm() + ", pins "
                        + f.sys.physicalMemory().pinnedPages());
            }
            out[3] = leaks;
        });
        @SuppressWarnings("unchecked")
        List<String> leaks = (List<String>) out[3];
        return new Outcome((Boolean) out[0], (String) out[1], (KernelException) out[2], leaks);
    }
}
