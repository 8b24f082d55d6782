package org.kemu.schedfair;

import java.util.ArrayList;
import java.util.List;

/**
 * Fault injection in the manner of the kernel's per-task {@code fail-nth} file (used by
 * tools/testing/selftests/iommu/iommufd_fail_nth.c; docs/kernel/vfio-gup.md section 4.2): a task arms
 * it with n, and the n-th injection point that task reaches fails, once; the points reached are
 * counted either way, so a sweep knows when n has passed the last point of a call.
 *
 * <p>Emulated kernel code calls {@link #shouldFail(Kernel, String)} at every allocation, pin,
 * accounting and IOMMU-map point, and fails there with the errno the real failure would give.
 */
public final class FailNth {
    private FailNth() {
    }

    /** Per-task state, kept as a task attachment. */
    private static final class State {
        final int n;
        int reached;
        boolean fired;
        final List<String> sites = new ArrayList<>();

        State(int n) {
            this.n = n;
        }
    }

    /** Tasks armed right now, so that unarmed runs pay one volatile read per injection point. */
    private static final java.util.concurrent.atomic.AtomicInteger ARMED = new java.util.concurrent.atomic.AtomicInteger();

    /** Arms {@code task}: its {@code n}-th injection point from now fails (n >= 1). */
    public static void arm(Task task, int n) {
        KernelException.require(n >= 1, Errno.EINVAL, "fail-nth", "n must be at least 1, got " + n);
        if (task.attachment(State.class) == null) {
            ARMED.incrementAndGet();
        }
        task.attach(State.class, new State(n));
    }

    /** Disarms {@code task}; counting stops. */
    public static void disarm(Task task) {
        if (task.attachment(State.class) != null) {
            ARMED.decrementAndGet();
        }
        task.attach(State.class, null);
    }

    /** An injection point named {@code site}: true when the current task must fail here. */
    public static boolean shouldFail(Kernel kernel, String site) {
        if (ARMED.get() == 0 || !kernel.inTask()) {
            return false;
        }
        State s = kernel.current().attachment(State.class);
        if (s == null) {
            return false;
        }
        s.reached++;
        s.sites.add(site);
        if (!s.fired && s.reached == s.n) {
            s.fired = true;
            return true;
        }
        return false;
    }

    /** Injection points {@code task} reached since it was armed. */
    public static int reached(Task task) {
        State s = task.attachment(State.class);
        return s == null ? 0 : s.reached;
    }

    /** Whether the armed failure has fired. */
    public static boolean fired(Task task) {
        State s = task.attachment(State.class);
        return s != null && s.fired;
    }

    /** The sites reached, in order. */
    public static List<String> sites(Task task) {
        State s = task.attachment(State.class);
        return s == null ? List.of() : List.copyOf(s.sites);
    }
}
