package org.kemu.mmgup;

import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskSpec;

/** A simulated 4-CPU kernel with mm-gup services, running test bodies as a qemu user task. */
final class MmFixture {
    static final long GIB = 1L << 30;
    static final long MIB = 1L << 20;

    final Kernel kernel;
    final MmGup sys;
    final PhysicalMemory pm;
    final AddressSpaces mm;
    final Gup gup;
    final LockedVm acct;

    MmFixture(MemoryConfig memory) {
        this(memory, GupFlavour.FOLIO_BATCHED, GupCosts.defaults());
    }

    MmFixture(MemoryConfig memory, GupFlavour impl, GupCosts gupCosts) {
        kernel = Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), 42));
        sys = MmGup.create(kernel, memory, MmCosts.defaults(), gupCosts);
        pm = sys.physicalMemory();
        mm = sys.addressSpaces();
        gup = sys.gup(impl);
        acct = sys.lockedVm();
    }

    static MmFixture ofGib(long gib) {
        return new MmFixture(MemoryConfig.ofBytesPerNode(gib * GIB));
    }

    /** Runs {@code body} in a user task of process 1 whose mm is {@code mmStruct}. */
    void run(MmStruct mmStruct, TaskBody body) {
        kernel.spawn(TaskSpec.user("qemu", 1), body).attach(MmStruct.class, mmStruct);
        kernel.run();
    }

    /** pin_user_pages_remote under the mmap read lock, as vaddr_get_pfns does. */
    long pinRemote(MmStruct m, long va, long n, int flags, long[] out) {
        m.mmapLock().downRead();
        try {
            return gup.pinUserPagesRemote(m, va, n, flags, out);
        } finally {
            m.mmapLock().upRead();
        }
    }
}
