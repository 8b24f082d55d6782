package org.kemu.vfiotype1.type1;

import org.kemu.mmgup.MmStruct;
import org.kemu.vfiotype1.IommuProt;

/**
 * {@code struct vfio_dma}: one successful MAP_DMA (docs/kernel/vfio-gup.md section 1.2). It is linked with size 0 and
 * grows run by run as the pin path maps; {@code size} is always the prefix that is mapped in every
 * domain. Fields the pin path owns (mm, pfn list, dirty bitmap) are added by it.
 *
 * <p>Mutated only under the container mutex.
 */
public final class VfioDma {
    private final long iova;
    private long vaddr;
    private long size;
    private final IommuProt prot;
    private boolean iommuMapped;
    private boolean lockCap;
    private boolean vaddrInvalid;
    private boolean hasRsvd;
    private long lockedVm;
    private long ownerTgid;
    private MmStruct mm;
    private long inFlightSize;

    public VfioDma(long iova, long vaddr, IommuProt prot, boolean lockCap, long ownerTgid) {
        this.iova = iova;
        this.vaddr = vaddr;
        this.prot = prot;
        this.lockCap = lockCap;
        this.ownerTgid = ownerTgid;
    }

    public long iova() {
        return iova;
    }

    public long vaddr() {
        return vaddr;
    }

    public long size() {
        return size;
    }

    /** Inclusive last IOVA; only meaningful when size is not 0. */
    public long last() {
        return iova + size - 1;
    }

    public IommuProt prot() {
        return prot;
    }

    public boolean iommuMapped() {
        return iommuMapped;
    }

    public boolean lockCap() {
        return lockCap;
    }

    public boolean vaddrInvalid() {
        return vaddrInvalid;
    }

    public boolean hasRsvd() {
        return hasRsvd;
    }

    /** Pages this dma has charged to its owner's locked_vm. */
    public long lockedVm() {
        return lockedVm;
    }

    /** Thread group of {@code dma->task} (the group leader that issued MAP_DMA). */
    public long ownerTgid() {
        return ownerTgid;
    }

    /** {@code dma->mm}: the address space the pages come from and locked_vm is charged to (null: none). */
    public MmStruct mm() {
        return mm;
    }

    public void setMm(MmStruct m) {
        mm = m;
    }

    /**
     * Bytes reserved by a MAP_DMA that pins outside the container mutex (the user-space variant): the
     * entry is linked with size 0 and this extent, which overlap checks honour and unmap skips.
     * 0 when no such map is in flight.
     */
    public long inFlightSize() {
        return inFlightSize;
    }

    public boolean inFlight() {
        return inFlightSize != 0;
    }

    public void setInFlightSize(long s) {
        inFlightSize = s;
    }

    /** The extent overlap checks see: the size, or the in-flight reservation. */
    long extent() {
        return inFlightSize != 0 ? inFlightSize : size;
    }

    long extentLast() {
        return iova + extent() - 1;
    }

    /** Grows the mapped prefix after a run was mapped in every domain. */
    public void grow(long bytes) {
        size += bytes;
    }

    /** Sets the size directly (no-domain MAP_DMA, docs/kernel/vfio-gup.md section 1.4 step 13). */
    public void setSize(long s) {
        size = s;
    }

    public void setIommuMapped(boolean m) {
        iommuMapped = m;
    }

    public void markHasRsvd() {
        hasRsvd = true;
    }

    public void addLockedVm(long pages) {
        lockedVm += pages;
    }

    void setVaddr(long v) {
        vaddr = v;
    }

    void setVaddrInvalid(boolean v) {
        vaddrInvalid = v;
    }

    /** vfio_change_dma_owner(): a new task (and its CAP_IPC_LOCK) takes over the dma. */
    public void changeOwner(long tgid, boolean cap) {
        ownerTgid = tgid;
        lockCap = cap;
    }

    /** vfio_change_dma_owner() with the new task's mm. */
    public void changeOwner(long tgid, boolean cap, MmStruct newMm) {
        changeOwner(tgid, cap);
        mm = newMm;
    }

    @Override
    public String toString() {
        return "vfio_dma[iova 0x" + Long.toHexString(iova) + " size 0x" + Long.toHexString(size) + "]";
    }
}
