package org.kemu.lab;

import java.util.Objects;
import org.kemu.lab.workload.UserSpaceMapDma;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * The qemu guest whose init is emulated: what user space does (the kernel's choices are in
 * {@link LabConfig}).
 *
 * @param backing what backs guest RAM
 * @param memBytes guest RAM, a multiple of 2 MiB
 * @param preallocThreads qemu's {@code -mem-prealloc} threads (0 = no prealloc: the pin faults pages in)
 * @param mapDma how qemu issues the MAP_DMA of each guest RAM section (one call, or slices from N threads)
 * @param machine qemu's machine type, which decides how guest RAM is split into MAP_DMA sections
 *     ({@link org.kemu.lab.workload.PcMemoryInit})
 * @param memcgMaxPages {@code memory.max} in pages of the memory cgroup qemu runs in
 *     ({@link org.kemu.schedfair.MemCgroup#MAX} for "max"), or {@link #NO_MEMCG}: qemu in the root group
 */
public record GuestSpec(Backing backing, long memBytes, int preallocThreads, UserSpaceMapDma mapDma,
        QemuMachineType machine, long memcgMaxPages) {
    public static final long GIB = 1L << 30;
    /** qemu stays in the root memory cgroup, which nothing is charged to. */
    public static final long NO_MEMCG = -1;

    public GuestSpec {
        Objects.requireNonNull(backing, "backing");
        Objects.requireNonNull(mapDma, "mapDma");
        Objects.requireNonNull(machine, "machine");
        KernelException.require(memBytes > 0 && memBytes % (2L << 20) == 0, Errno.EINVAL, "guest:mem",
                "guest memory must be a positive multiple of 2 MiB");
        KernelException.require(preallocThreads >= 0, Errno.EINVAL, "guest:prealloc",
                "prealloc threads must not be negative");
        KernelException.require(memcgMaxPages >= NO_MEMCG, Errno.EINVAL, "guest:memcg_max",
                "memory.max must not be negative");
    }

    /** qemu in the root memory cgroup. */
    public GuestSpec(Backing backing, long memBytes, int preallocThreads, UserSpaceMapDma mapDma,
            QemuMachineType machine) {
        this(backing, memBytes, preallocThreads, mapDma, machine, NO_MEMCG);
    }

    /** A guest of the default machine type whose RAM sections qemu maps one MAP_DMA each. */
    public GuestSpec(Backing backing, long memBytes, int preallocThreads) {
        this(backing, memBytes, preallocThreads, UserSpaceMapDma.NONE, QemuMachineType.DEFAULT);
    }

    public GuestSpec withMapDma(UserSpaceMapDma m) {
        return new GuestSpec(backing, memBytes, preallocThreads, m, machine, memcgMaxPages);
    }

    public GuestSpec withMachine(QemuMachineType m) {
        return new GuestSpec(backing, memBytes, preallocThreads, mapDma, m, memcgMaxPages);
    }

    /** qemu in a memory cgroup of {@code memory.max} {@code pages} ({@link #NO_MEMCG}: the root group). */
    public GuestSpec withMemcgMaxPages(long pages) {
        return new GuestSpec(backing, memBytes, preallocThreads, mapDma, machine, pages);
    }

    public boolean inMemcg() {
        return memcgMaxPages != NO_MEMCG;
    }

    public double gib() {
        return (double) memBytes / GIB;
    }
}
