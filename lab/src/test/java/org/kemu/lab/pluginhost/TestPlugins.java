package org.kemu.lab.pluginhost;

import java.util.List;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.ParamValidator;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/** Plugins for the SPI tests; two are listed in the test META-INF/services. */
final class TestPlugins {
    private TestPlugins() {
    }

    /** Does {@code work-ns} of work; listed in META-INF/services. */
    public static final class Worker implements KernelJobPlugin {
        @Override
        public String name() {
            return "test-worker";
        }

        @Override
        public List<PluginParam> parameters() {
            return List.of(PluginParam.ofLong("work-ns", 1000, "ns of work", ParamValidator.range(0, 1e12)),
                    PluginParam.ofSize("bytes", "4K", "bytes moved", null),
                    PluginParam.ofBoolean("fail", false, "throw EIO"));
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams p) {
            if (p.getBoolean("fail")) {
                throw new KernelException(Errno.EIO, "test:fail", "asked to fail");
            }
            ctx.tasks().work(p.getLong("work-ns"), 0, p.getLong("bytes"));
            ctx.metrics().set("bytes", p.getLong("bytes"));
            return PluginResult.of(ctx);
        }
    }

    /** Claims the same name as {@link Worker}. */
    public static final class WorkerTwin implements KernelJobPlugin {
        @Override
        public String name() {
            return "test-worker";
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams p) {
            return PluginResult.of(ctx);
        }
    }

    /** Throws a plain runtime exception; listed in META-INF/services. */
    public static final class Thrower implements KernelJobPlugin {
        @Override
        public String name() {
            return "test-thrower";
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams p) {
            ctx.tasks().work(10);
            throw new IllegalStateException("boom");
        }
    }

    /** Declares a default that its own validator rejects. */
    public static final class BadDefault implements KernelJobPlugin {
        @Override
        public String name() {
            return "bad-default";
        }

        @Override
        public List<PluginParam> parameters() {
            return List.of(PluginParam.ofInt("threads", 0, "threads", ParamValidator.atLeast(1)));
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams p) {
            return PluginResult.of(ctx);
        }
    }

    /** Declares one parameter twice. */
    public static final class DoubleParam implements KernelJobPlugin {
        @Override
        public String name() {
            return "double-param";
        }

        @Override
        public List<PluginParam> parameters() {
            return List.of(PluginParam.ofInt("n", 1, "", null), PluginParam.ofInt("n", 2, "", null));
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams p) {
            return PluginResult.of(ctx);
        }
    }
}
