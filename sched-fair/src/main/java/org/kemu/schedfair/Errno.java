package org.kemu.schedfair;

/**
 * The kernel's error numbers, with the values of include/uapi/asm-generic/errno-base.h and errno.h
 * (x86-64). Emulated syscalls and kernel calls fail with a {@link KernelException} carrying one.
 */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), EAGAIN(11),
    ENOMEM(12), EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), ENODEV(19), EINVAL(22), ENOSPC(28),
    ERANGE(34), EDEADLK(35), ENOTTY(25), ETIME(62), EOVERFLOW(75), EOPNOTSUPP(95);

    private final int value;

    Errno(int value) {
        this.value = value;
    }

    /** The positive errno value; kernel functions return its negation. */
    public int value() {
        return value;
    }

    /** The errno for a positive or negative kernel return value. */
    public static Errno of(int value) {
        int v = Math.abs(value);
        for (Errno e : values()) {
            if (e.value == v) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown errno " + value);
    }
}
