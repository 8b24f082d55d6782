package org.kemu.schedfair.sim;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The JDK's own one-shot delimited continuations ({@code jdk.internal.vm.Continuation}, what every
 * virtual thread runs on), used directly so that passing the baton from one simulated task to the
 * next is a stack switch on the same host thread: no scheduler, no unpark, no second carrier thread
 * waking up (issue 15: a virtual-thread park/unpark hand-off costs 0.5-0.9 us on this machine, a
 * continuation's yield and run about 0.1 us).
 *
 * <p>The package is not exported, so this works only when the JVM runs with {@code --add-exports
 * java.base/jdk.internal.vm=ALL-UNNAMED} (bin/kemu, bin/bench and the test forks pass it), and only
 * from JDK 24 on, where a continuation can yield while its code holds a monitor (JEP 491): on JDK 21
 * task code in a {@code synchronized} block could not be switched out. Everything goes through method
 * handles looked up once, so kemu compiles against no internal API and a JVM without the export
 * simply reports {@link #AVAILABLE} false; the engine then carries tasks on virtual threads.
 */
final class Continuations {
    /** Why continuations cannot be used here, or null when they can. */
    static final String UNAVAILABLE_BECAUSE;
    static final boolean AVAILABLE;

    private static final Object SCOPE;
    private static final MethodHandle NEW;
    private static final MethodHandle RUN;
    private static final MethodHandle YIELD;
    private static final MethodHandle IS_DONE;

    static {
        String why = null;
        Object scope = null;
        MethodHandle mk = null;
        MethodHandle run = null;
        MethodHandle yield = null;
        MethodHandle done = null;
        if (Runtime.version().feature() < 24) {
            why = "JDK " + Runtime.version().feature() + " pins a continuation whose code holds a monitor (JDK 24+ needed)";
        } else {
            try {
                Class<?> c = Class.forName("jdk.internal.vm.Continuation");
                Class<?> s = Class.forName("jdk.internal.vm.ContinuationScope");
                MethodHandles.Lookup l = MethodHandles.lookup();
                scope = l.findConstructor(s, MethodType.methodType(void.class, String.class)).invoke("kemu-sim");
                mk = l.findConstructor(c, MethodType.methodType(void.class, s, Runnable.class))
                        .asType(MethodType.methodType(Object.class, Object.class, Runnable.class));
                run = l.findVirtual(c, "run", MethodType.methodType(void.class))
                        .asType(MethodType.methodType(void.class, Object.class));
                yield = l.findStatic(c, "yield", MethodType.methodType(boolean.class, s))
                        .asType(MethodType.methodType(boolean.class, Object.class));
                done = l.findVirtual(c, "isDone", MethodType.methodType(boolean.class))
                        .asType(MethodType.methodType(boolean.class, Object.class));
            } catch (Throwable e) {
                why = "jdk.internal.vm is not exported to kemu (run the JVM with --add-exports "
                        + "java.base/jdk.internal.vm=ALL-UNNAMED): " + e;
            }
        }
        UNAVAILABLE_BECAUSE = why;
        AVAILABLE = why == null;
        SCOPE = scope;
        NEW = mk;
        RUN = run;
        YIELD = yield;
        IS_DONE = done;
    }

    private Continuations() {
    }

    /** A continuation that will run {@code body} on the thread that first {@link #run}s it. */
    static Object create(Runnable body) {
        try {
            return (Object) NEW.invokeExact(SCOPE, body);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Mounts {@code c} on the calling thread until it yields or ends; its uncaught exceptions propagate. */
    static void run(Object c) {
        try {
            RUN.invokeExact(c);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Suspends the running continuation and returns to the {@link #run} that mounted it. Throws
     * IllegalStateException when it cannot (the code holds a native frame on the stack, "pinned").
     */
    static void yieldNow() {
        try {
            boolean ignored = (boolean) YIELD.invokeExact(SCOPE);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    static boolean isDone(Object c) {
        try {
            return (boolean) IS_DONE.invokeExact(c);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error r) {
            throw r;
        }
        throw new IllegalStateException(e);
    }
}
