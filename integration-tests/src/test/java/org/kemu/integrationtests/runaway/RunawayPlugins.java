package org.kemu.integrationtests.runaway;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Task;

/**
 * Plugins that misbehave the ways issue 17 (defects 9 and 10) lists: each must end its run with a
 * clear error, never hang it or lose the cause. The test class path's
 * {@code META-INF/services/org.kemu.pluginapi.KernelJobPlugin} names them, so {@code kemu run} finds
 * them in this module's tests as it finds the shipped plugins.
 */
public final class RunawayPlugins {
    private RunawayPlugins() {
    }

    /** Loops in virtual time: work for ever. The virtual time limit ends it. */
    public static final class VirtualLoop implements KernelJobPlugin {
        @Override
        public String name() {
            return "runaway-virtual-loop";
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams params) {
            while (true) {
                ctx.tasks().work(1_000_000);
            }
        }
    }

    /**
     * Busy-loops in Java on the host thread and never calls into the kernel, so virtual time stands
     * still. It looks at its thread's interrupt flag only so that a test leaves no CPU spinning once
     * the watchdog (which interrupts the task it finds running) has stopped the run.
     */
    public static final class BusyLoop implements KernelJobPlugin {
        @Override
        public String name() {
            return "runaway-busy-loop";
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams params) {
            ctx.tasks().work(1000);
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            throw new IllegalStateException("busy loop interrupted");
        }
    }

    /** Sleeps on the host thread (Thread.sleep: wall time passes, virtual time does not). */
    public static final class HostSleep implements KernelJobPlugin {
        @Override
        public String name() {
            return "runaway-host-sleep";
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams params) {
            ctx.tasks().work(1000);
            try {
                Thread.sleep(TimeUnit.HOURS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("sleep interrupted", e);
            }
            return PluginResult.of(ctx);
        }
    }

    /**
     * A padata job whose helpers (not the main thread) hit a NullPointerException: the run's error
     * must be that exception, not the main thread's unwinding ("run aborted").
     */
    public static final class HelperNpe implements KernelJobPlugin {
        @Override
        public String name() {
            return "helper-npe";
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams params) {
            KernelTasks k = ctx.tasks();
            Task main = k.current();
            ctx.padata().doMultithreaded(PadataMtJob.<Void>builder((start, end, arg) -> {
                k.work(10_000);
                if (k.current() != main) {
                    String missing = null;
                    return missing.length();
                }
                return 0;
            }).size(64).minChunk(1).maxThreads(4).lockdepName("helper_npe").build());
            return PluginResult.of(ctx);
        }
    }

    /**
     * The main task holds a mutex and waits for three kthreads that each wait for that mutex: a
     * deadlock of four tasks, every one of which the report must name.
     */
    public static final class FourTaskDeadlock implements KernelJobPlugin {
        @Override
        public String name() {
            return "four-task-deadlock";
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams params) {
            KernelTasks k = ctx.tasks();
            Mutex m = k.mutex("deadlock-demo");
            m.lock();
            List<Task> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Task t = k.kthreadCreate("waiter" + i, () -> {
                    m.lock();
                    m.unlock();
                });
                k.wakeUpProcess(t);
                waiters.add(t);
            }
            k.work(1000);
            for (Task t : waiters) {
                k.join(t);
            }
            m.unlock();
            return PluginResult.of(ctx);
        }
    }
}
