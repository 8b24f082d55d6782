package org.kemu.mmgup;

/** A read-only view of a {@code vm_area_struct}: {@code [start, end)}, its backing and protection. */
public interface Vma {
    long start();

    long end();

    VmaKind kind();

    /** VM_WRITE. */
    boolean writable();

    default long pages() {
        return (end() - start()) >>> MmConstants.PAGE_SHIFT;
    }
}
