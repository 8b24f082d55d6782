package org.kemu.mmgup.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.Vma;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.SpinLock;

/**
 * An mm: VMAs by start address, the mmap lock, a pool of split page-table locks, and accounting.
 * The kernel has one PTL per page-table page; here the PTLs are a fixed pool hashed by PMD index,
 * so that a terabyte mapping does not need a million lock objects (distinct PMDs that hash alike
 * contend where the kernel's would not; the pool is large enough to make that rare).
 */
public final class MmStructImpl implements MmStruct {
    static final int PTL_POOL = 256;

    private final String name;
    private final RwSemaphore mmapLock;
    private final SpinLock[] ptls = new SpinLock[PTL_POOL];
    final AtomicCounter pinnedVm;
    final TreeMap<Long, VmaImpl> vmas = new TreeMap<>();
    long lockedVm;
    long charged;
    private long rlimitMemlock;
    private boolean capIpcLock;
    volatile boolean exited;
    volatile boolean hasPinned;

    MmStructImpl(Kernel kernel, String name, long rlimitMemlock, boolean capIpcLock) {
        this.name = name;
        this.mmapLock = kernel.rwsem("mmap_lock:" + name);
        for (int i = 0; i < PTL_POOL; i++) {
            ptls[i] = kernel.spinlock("ptl:" + name + ":" + i);
        }
        this.pinnedVm = kernel.atomic("pinned_vm:" + name, 0);
        this.rlimitMemlock = rlimitMemlock;
        this.capIpcLock = capIpcLock;
    }

    SpinLock ptl(long addr) {
        return ptls[(int) ((addr >>> 21) % PTL_POOL)];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public RwSemaphore mmapLock() {
        return mmapLock;
    }

    @Override
    public long lockedVm() {
        return lockedVm;
    }

    @Override
    public long pinnedVm() {
        return pinnedVm.get();
    }

    @Override
    public long rlimitMemlock() {
        return rlimitMemlock;
    }

    @Override
    public void setRlimitMemlock(long bytes) {
        this.rlimitMemlock = bytes;
    }

    @Override
    public boolean capIpcLock() {
        return capIpcLock;
    }

    @Override
    public void setCapIpcLock(boolean cap) {
        this.capIpcLock = cap;
    }

    @Override
    public boolean exited() {
        return exited;
    }

    @Override
    public boolean hasPinned() {
        return hasPinned;
    }

    public void setHasPinned() {
        hasPinned = true;
    }

    @Override
    public List<Vma> vmas() {
        return new ArrayList<>(vmas.values());
    }

    @Override
    public Vma vmaLookup(long addr) {
        return findVma(addr);
    }

    public VmaImpl findVma(long addr) {
        Map.Entry<Long, VmaImpl> e = vmas.floorEntry(addr);
        if (e == null || e.getValue().end <= addr) {
            return null;
        }
        return e.getValue();
    }

    /** Heap bytes of page tables and VMAs. */
    public long heapBytes() {
        long b = 256;
        for (VmaImpl v : vmas.values()) {
            b += 96 + (v.pt == null ? 0 : v.pt.heapBytes());
        }
        return b;
    }

    @Override
    public String toString() {
        return "mm[" + name + "]";
    }
}
