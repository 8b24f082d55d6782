package org.kemu.schedfair;

/**
 * An hrtimer on the kernel's clock. The callback runs in interrupt context: it may wake tasks,
 * complete completions and re-arm the timer, but must not sleep or take sleeping locks.
 */
public interface KernelTimer {
    String name();

    /** Arms (or re-arms) the timer to fire at absolute time {@code expiresNs}. */
    void start(long expiresNs);

    /** Arms the timer {@code deltaNs} from now. */
    default void startRelative(long deltaNs, Kernel kernel) {
        start(kernel.now() + deltaNs);
    }

    /** Disarms it; returns true when it was armed. */
    boolean cancel();

    boolean isArmed();

    /** The absolute expiry, or -1 when not armed. */
    long expires();
}
