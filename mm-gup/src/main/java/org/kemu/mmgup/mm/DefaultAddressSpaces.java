package org.kemu.mmgup.mm;

import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PfnmapLookup;
import org.kemu.mmgup.UnmapRegion;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;

/**
 * The address-space operations over one physical memory, wired from their parts: {@link Mmap} (VMAs
 * and munmap), {@link PageFault} and {@link HugetlbFault} (faults), {@link MigrateMovable}
 * (long-term pin migration) and {@link PageWalk} (page-table reads). GUP uses the fault and
 * migration parts directly, as mm/gup.c calls into mm/memory.c.
 */
public final class DefaultAddressSpaces implements AddressSpaces {
    private final Kernel kernel;
    private final Mmap mmap;
    private final PageFault pageFault;
    private final MigrateMovable migrateMovable;
    private final ZeroPageCow zeroPageCow;

    public DefaultAddressSpaces(Kernel kernel, PhysicalMemoryImpl pm) {
        this.kernel = kernel;
        UserPages userPages = new UserPages(kernel, pm);
        this.mmap = new Mmap(kernel, pm);
        this.pageFault = new PageFault(kernel, pm, userPages, new HugetlbFault(kernel, pm));
        this.migrateMovable = new MigrateMovable(kernel, pm, userPages);
        this.zeroPageCow = new ZeroPageCow(kernel, pm, pageFault, Integer.MAX_VALUE);
    }

    public PageFault pageFault() {
        return pageFault;
    }

    public MigrateMovable migrateMovable() {
        return migrateMovable;
    }

    @Override
    public MmStruct mmCreate(String name, long rlimitMemlockBytes, boolean capIpcLock) {
        KernelException.require(rlimitMemlockBytes >= 0, Errno.EINVAL, "setrlimit:memlock", "negative limit");
        return new MmStructImpl(kernel, name, rlimitMemlockBytes, capIpcLock);
    }

    @Override
    public long mmap(MmStruct mm, long addr, long len, VmaKind kind, boolean write) {
        return mmap.mmap(mm, addr, len, kind, write);
    }

    @Override
    public long mmapPfn(MmStruct mm, long len, long basePfn, boolean write, int levelOrder) {
        return mmap.mmapPfn(mm, len, basePfn, write, levelOrder);
    }

    @Override
    public void munmap(MmStruct mm, long addr, long len) {
        mmap.munmap(mm, addr, len);
    }

    @Override
    public UnmapRegion detachRange(MmStruct mm, long addr, long len) {
        return mmap.detachRange(mm, addr, len);
    }

    @Override
    public void populate(MmStruct mm, long addr, long len, boolean write) {
        pageFault.populate(mm, addr, len, write);
    }

    @Override
    public void touchPages(MmStruct mm, long addr, long len) {
        zeroPageCow.touch(mm, addr, len);
    }

    @Override
    public long followPfn(MmStruct mm, long addr) {
        return PageWalk.followPfn(mm, addr);
    }

    @Override
    public PfnmapLookup followPfnmap(MmStruct mm, long addr, boolean write) {
        return PageWalk.followPfnmap(mm, addr, write);
    }

    @Override
    public void exitMmap(MmStruct mm) {
        mmap.exitMmap(mm);
    }
}
