package org.kemu.pluginapi;

import java.util.List;

/**
 * A multithreaded kernel job that kemu can run: a further padata user (hugetlbfs fallocate, deferred
 * struct page init, ...). Implementations are found with {@link java.util.ServiceLoader}: list the
 * class in {@code META-INF/services/org.kemu.pluginapi.KernelJobPlugin} and give it a public no-argument
 * constructor.
 *
 * <p>One instance may run many times, on different kernels, so keep per-run state in locals, not
 * fields. Errors the kernel would return are {@link org.kemu.schedfair.KernelException}s with the
 * kernel's errno; the registry reports them with that errno and discards the run's kernel.
 */
@Stable
public interface KernelJobPlugin {

    /** The name {@code kemu run <name>} uses: lower-case words joined by hyphens, unique. */
    String name();

    /** One line for {@code kemu plugins}. */
    default String description() {
        return "";
    }

    /** The parameters this plugin takes, with their defaults; the defaults run in seconds. */
    default List<PluginParam> parameters() {
        return List.of();
    }

    /**
     * Runs the job from inside its main task, with parameters already parsed and validated, and
     * returns what it measured (usually {@link PluginResult#of(PluginContext)}).
     */
    PluginResult run(PluginContext ctx, PluginParams params);
}
