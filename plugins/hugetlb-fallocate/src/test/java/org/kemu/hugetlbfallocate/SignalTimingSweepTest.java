package org.kemu.hugetlbfallocate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.mmgup.MmConstants;
import org.kemu.plugintestkit.HugetlbPoolState;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * The RFC's TODO "Make helpers aware of signals sent to the main thread", swept over when the signal
 * lands (the fail-nth loop's counterpart for an asynchronous event): SIGKILL to the caller of a
 * multithreaded hugetlbfs fallocate at 0, 1/10, 2/10 ... 12/10 of the unsignalled run's virtual time,
 * each on a fresh machine. The outcome is all or nothing, as hugetlbfs_fallocate's serial
 * {@code fatal_signal_pending()} check makes it for one thread: either the call returns having
 * allocated every page (the signal came too late to matter), or it fails with EINTR and the file and
 * every pool (free, reserved, surplus per node) are as before, with the invariants holding.
 */
@ExtendWith(KemuExtension.class)
@KemuMachine(nodes = 2, coresPerNode = 4, memoryPerNodeMiB = 2048, hugepages2mPerNode = 64, padata = KemuMachine.Padata.MAINLINE)
class SignalTimingSweepTest {
    private static final int PAGES = 100;

    private static HugetlbfsFallocate.Request request() {
        return new HugetlbfsFallocate.Request(MmConstants.PMD_ORDER, 0, 8, 1, true, Placement.LOCAL, 0, true, true);
    }

    /** Virtual ns the signal-aware fallocate takes when nothing signals it. */
    private static long unsignalledNs(PluginTestMachine m) {
        return m.inTask(ctx -> {
            long t0 = ctx.tasks().now();
            new HugetlbfsFallocate(ctx, FallocateCosts.defaults()).fallocate(new HugetlbFile(MmConstants.PMD_ORDER, PAGES),
                    request());
            return ctx.tasks().now() - t0;
        });
    }

    /** The fallocate with a kthread that sends SIGKILL to the caller after {@code delayNs} of its own CPU work. */
    private static Object fallocateKilledAfter(PluginTestMachine m, HugetlbFile file, long delayNs) {
        return m.inTask(ctx -> {
            var main = ctx.tasks().current();
            var killer = ctx.tasks().kthreadCreate("killer", () -> {
                ctx.tasks().work(delayNs);
                m.kernel().sendFatalSignal(main);
            });
            ctx.tasks().wakeUpProcess(killer);
            try {
                return new HugetlbfsFallocate(ctx, FallocateCosts.defaults()).fallocate(file, request());
            } catch (KernelException e) {
                return e;
            } finally {
                ctx.tasks().join(killer);
            }
        });
    }

    @Test
    void aSignalAtAnyPointEitherComesTooLateOrUndoesEverythingWithEintr(PluginTestMachine m) {
        long t = unsignalledNs(m.fresh());
        assertThat(t).isPositive();
        Set<String> outcomes = new LinkedHashSet<>();
        long latestEintr = -1;
        for (int i = 0; i <= 12; i++) {
            long delay = t * i / 10;
            PluginTestMachine fresh = m.fresh();
            HugetlbPoolState before = fresh.hugetlbPools();
            HugetlbFile file = new HugetlbFile(MmConstants.PMD_ORDER, PAGES);
            Object r = fallocateKilledAfter(fresh, file, delay);
            if (r instanceof KernelException e) {
                assertThat(e.errno()).as("delay %d ns", delay).isEqualTo(Errno.EINTR);
                assertThat(e.getMessage()).contains("hugetlbfs_fallocate:fatal_signal");
                assertThat(file.populated()).as("delay %d ns", delay).isZero();
                assertThat(fresh.hugetlbPools()).as("delay %d ns", delay).isEqualTo(before);
                outcomes.add("EINTR");
                latestEintr = delay;
            } else {
                assertThat(r).as("delay %d ns", delay).isInstanceOf(Integer.class);
                assertThat(file.populated()).as("delay %d ns", delay).isEqualTo(PAGES);
                outcomes.add("done");
            }
            fresh.assertInvariants();
        }
        // the sweep reaches both sides: signals early enough to stop the job and ones after it finished
        assertThat(outcomes).containsExactlyInAnyOrder("EINTR", "done");
        // and at least one signal landed mid-job, after chunks had completed and had to be undone
        assertThat(latestEintr).isGreaterThanOrEqualTo(t / 2);
    }
}
