package org.kemu.mmgup.testing;

import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskFailedException;
import org.kemu.schedfair.TaskSpec;

/**
 * A kernel with mm-gup services for tests, shared with other modules through mm-gup's test-jar
 * ({@code <type>test-jar</type>}, test scope). By default a simulated 4-CPU machine (seed 42) with
 * default costs and folio-batched GUP; {@link #run} executes a test body as qemu's main thread
 * (a user task of process 1) with the given mm, and rethrows an assertion failure inside as itself.
 */
public final class MmFixture {
    public static final long GIB = 1L << 30;
    public static final long MIB = 1L << 20;

    public final Kernel kernel;
    /** All services; {@link #pm}, {@link #mm}, {@link #gup} and {@link #acct} are its parts. */
    public final MmGup sys;
    public final PhysicalMemory pm;
    public final AddressSpaces mm;
    /** GUP in the fixture's flavour. */
    public final Gup gup;
    public final LockedVm acct;

    public MmFixture(MemoryConfig memory) {
        this(memory, GupFlavour.FOLIO_BATCHED, GupCosts.defaults());
    }

    public MmFixture(MemoryConfig memory, GupFlavour flavour, GupCosts gupCosts) {
        this(Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), 42)), memory, flavour, gupCosts);
    }

    /** Services over {@code kernel} (any machine or backend; not yet running), with default mm costs. */
    public MmFixture(Kernel kernel, MemoryConfig memory, GupFlavour flavour, GupCosts gupCosts) {
        this.kernel = kernel;
        sys = MmGup.create(kernel, memory, MmCosts.defaults(), gupCosts);
        pm = sys.physicalMemory();
        mm = sys.addressSpaces();
        gup = sys.gup(flavour);
        acct = sys.lockedVm();
    }

    /** {@code gib} GiB of RAM per node, no hugetlb pool. */
    public static MmFixture ofGib(long gib) {
        return new MmFixture(MemoryConfig.ofBytesPerNode(gib * GIB));
    }

    /**
     * Runs {@code body} in a user task of process 1 whose mm is {@code mmStruct}, until every task
     * has ended. An error or runtime exception thrown inside a task is rethrown as it was thrown.
     */
    public void run(MmStruct mmStruct, TaskBody body) {
        kernel.spawn(TaskSpec.user("qemu", 1), body).attach(MmStruct.class, mmStruct);
        runAll(kernel);
    }

    /**
     * Runs {@code kernel} until its tasks end; an error or runtime exception thrown inside a task is
     * rethrown as it was thrown (so an AssertJ failure in a task reads as the test's own failure).
     */
    public static void runAll(Kernel kernel) {
        try {
            kernel.run();
        } catch (TaskFailedException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    /** {@code pin_user_pages_remote} under the mmap read lock, as VFIO's {@code vaddr_get_pfns} calls it. */
    public long pinRemote(MmStruct m, long va, long n, int flags, long[] out) {
        m.mmapLock().downRead();
        try {
            return gup.pinUserPagesRemote(m, va, n, flags, out);
        } finally {
            m.mmapLock().upRead();
        }
    }

    /**
     * Faults in {@code [va, va + len)} from {@code touchers} tasks of the caller's process, one equal
     * share each, and waits for them: their per-CPU list refills interleave within the 2 MiB blocks,
     * so each block's 4 KiB pages belong to several ranges.
     */
    public void touchInterleaved(MmStruct m, long va, long len, int touchers) {
        java.util.List<org.kemu.schedfair.Task> ts = new java.util.ArrayList<>();
        long share = len / touchers;
        for (int i = 0; i < touchers; i++) {
            long from = va + i * share;
            ts.add(kernel.spawn(TaskSpec.user("touch#" + i, kernel.current().tgid()),
                    () -> mm.touchPages(m, from, share), c -> c.attach(MmStruct.class, m)));
        }
        for (org.kemu.schedfair.Task t : ts) {
            kernel.join(t);
        }
    }
}
