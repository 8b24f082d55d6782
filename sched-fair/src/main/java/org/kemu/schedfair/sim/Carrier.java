package org.kemu.schedfair.sim;

import java.util.Locale;

/**
 * What carries a simulated task's code on the host. Either way exactly one task's code runs at a
 * time and the engine makes every decision, so the virtual results are the same bit for bit
 * ({@code CarrierEquivalenceTest}); only the host's cost of passing the baton differs.
 *
 * <p>Chosen by the system property {@value #PROPERTY}: {@code auto} (the default) takes
 * continuations when {@link Continuations#AVAILABLE} and virtual threads otherwise;
 * {@code continuations} insists on them and fails kernel construction when the JVM cannot provide
 * them; {@code virtual-threads} always uses virtual threads.
 */
enum Carrier {
    /** One virtual thread per task; the baton passes by unpark and park (0.5-0.9 us per hand-off). */
    VIRTUAL_THREADS,
    /**
     * One continuation per task, all mounted in turn on the host thread that runs the kernel (or on a
     * platform thread of its own when a watchdog must watch it); the baton passes by yielding to
     * that thread's loop, which mounts the next task (about 0.1 us). Task code then sees that host
     * thread as {@code Thread.currentThread()}, shared by every task of the run, so thread identity
     * and {@code ThreadLocal}s are not per task (docs/plugins.md says so to plugin authors).
     */
    CONTINUATIONS;

    static final String PROPERTY = "kemu.sim.carrier";

    /** The carrier the system property asks for (read at each kernel's construction). */
    static Carrier configured() {
        String v = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "auto" -> Continuations.AVAILABLE ? CONTINUATIONS : VIRTUAL_THREADS;
            case "virtual-threads" -> VIRTUAL_THREADS;
            case "continuations" -> {
                if (!Continuations.AVAILABLE) {
                    throw new IllegalStateException(PROPERTY + "=continuations, but " + Continuations.UNAVAILABLE_BECAUSE);
                }
                yield CONTINUATIONS;
            }
            default -> throw new IllegalArgumentException(PROPERTY + " must be auto, continuations or virtual-threads, got '"
                    + v + "'");
        };
    }
}
