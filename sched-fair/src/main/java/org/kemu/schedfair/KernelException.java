package org.kemu.schedfair;

import java.util.Objects;

/**
 * A failed emulated syscall or kernel call: the kernel's errno plus the name of the check that
 * failed, so that a caller can tell "EINVAL because the period is below 1 ms" from any other EINVAL.
 */
public class KernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String check;

    public KernelException(Errno errno, String check, String message) {
        super(errno + " (" + check + "): " + message);
        this.errno = Objects.requireNonNull(errno);
        this.check = Objects.requireNonNull(check);
    }

    public KernelException(Errno errno, String check, String message, Throwable cause) {
        this(errno, check, message);
        initCause(cause);
    }

    public Errno errno() {
        return errno;
    }

    /** A short, stable identifier of the check that failed (e.g. {@code "cpu.max:period_min"}). */
    public String check() {
        return check;
    }

    /** Throws {@code EINVAL} naming {@code check} unless {@code ok}. */
    public static void require(boolean ok, Errno errno, String check, String message) {
        if (!ok) {
            throw new KernelException(errno, check, message);
        }
    }
}
