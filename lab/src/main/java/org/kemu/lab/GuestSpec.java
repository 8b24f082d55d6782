package org.kemu.lab;

import java.util.Objects;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * The qemu guest whose init is emulated.
 *
 * @param backing what backs guest RAM
 * @param memBytes guest RAM, a multiple of 2 MiB
 * @param preallocThreads qemu's {@code -mem-prealloc} threads (0 = no prealloc: the pin faults pages in)
 */
public record GuestSpec(Backing backing, long memBytes, int preallocThreads) {
    public static final long GIB = 1L << 30;

    public GuestSpec {
        Objects.requireNonNull(backing, "backing");
        KernelException.require(memBytes > 0 && memBytes % (2L << 20) == 0, Errno.EINVAL, "guest:mem",
                "guest memory must be a positive multiple of 2 MiB");
        KernelException.require(preallocThreads >= 0, Errno.EINVAL, "guest:prealloc",
                "prealloc threads must not be negative");
    }

    public double gib() {
        return (double) memBytes / GIB;
    }
}
