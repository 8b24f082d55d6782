package org.kemu.mmgup.mm;

import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.phys.VmEvents;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;

/**
 * x86 TLB shootdown of user pages (arch/x86/mm/tlb.c, 5.14): {@code ptep_clear_flush ->
 * flush_tlb_page -> flush_tlb_mm_range}, which flushes locally and, when other CPUs are in the mm's
 * cpumask, calls {@code native_flush_tlb_multi}: {@code on_each_cpu_cond_mask(tlb_is_not_lazy, ...,
 * wait=true)}, a synchronous {@code smp_call_function_many_cond} IPI to every CPU that runs the mm
 * (CPUs in lazy TLB mode, i.e. running a kernel thread or idle, are skipped; x86 clears a CPU from the
 * cpumask when it switches to another mm). The initiator pays {@link MmCosts#ipiSendNs()} per target;
 * each target pays {@link MmCosts#ipiHandleNs()} out of whatever it runs.
 *
 * <p>The target's share is kept as pending interrupt time per CPU and paid by the task running there
 * the next time it calls {@link #takePending} (at its next coalesced step, {@link ZeroPageCow}): the
 * total is exact, only the moment it is paid moves, by at most one step of the target.
 */
public final class TlbFlush {
    private final Kernel kernel;
    private final long[] pendingNs;

    public TlbFlush(Kernel kernel) {
        this.kernel = kernel;
        this.pendingNs = new long[kernel.topology().nrCpus()];
    }

    /** The one instance of a kernel. */
    public static TlbFlush of(Kernel kernel) {
        return kernel.subsystemState(TlbFlush.class, TlbFlush::new);
    }

    /**
     * The CPUs other than the current one that run a user task of {@code mm} now (the non-lazy part of
     * {@code mm_cpumask(mm)}: x86's {@code switch_mm_irqs_off} puts a CPU in the mask of the mm it
     * switches to, and {@code tlb_is_not_lazy} drops one that runs a kernel thread or idles), as a
     * count of targets; {@code into[0..n)} receives their ids in ascending order. Only busy CPUs are
     * visited ({@link Kernel#nextBusyCpu}), each asked for its {@code cpu_curr}.
     */
    public int otherCpusRunning(MmStruct mm, int[] into) {
        int self = kernel.current().cpu();
        int n = 0;
        for (int c = kernel.nextBusyCpu(0); c >= 0; c = kernel.nextBusyCpu(c + 1)) {
            if (c == self) {
                continue;
            }
            Task t = kernel.cpuCurr(c);
            if (t != null && !t.isKthread() && t.attachment(MmStruct.class) == mm) {
                into[n++] = c;
            }
        }
        return n;
    }

    /**
     * {@code flushes} shootdowns to the {@code n} CPUs {@code targets[0..n)}: their handling time becomes
     * pending, and the flushes and IPIs are counted in {@code events} (the vmstat TLB counters).
     */
    public void sendTo(int[] targets, int n, long flushes, MmCosts costs, VmEvents events) {
        if (flushes > 0) {
            events.countTlbFlushes(flushes, n);
        }
        for (int i = 0; i < n; i++) {
            pendingNs[targets[i]] += flushes * costs.ipiHandleNs();
        }
    }

    /** Interrupt time other CPUs' shootdowns charged to CPU {@code cpu} since the last call; resets it. */
    public long takePending(int cpu) {
        long ns = pendingNs[cpu];
        pendingNs[cpu] = 0;
        return ns;
    }
}
