package org.kemu.lab.pluginhost;

import java.util.Optional;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * A plugin could not be loaded, configured or run. When the cause is a {@link KernelException} (the
 * plugin's job failed the way the kernel would), {@link #errno()} carries its errno, so
 * {@code kemu run} can print {@code ENOSPC (hugetlbfs_fallocate:...)} rather than a stack trace.
 */
public class PluginException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String plugin;
    private final transient Errno errno;

    public PluginException(String plugin, Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.plugin = plugin;
        this.errno = errno;
    }

    public PluginException(String plugin, String message) {
        this(plugin, null, message, null);
    }

    /** The plugin concerned; null when the error concerns no single plugin. */
    public String plugin() {
        return plugin;
    }

    public Optional<Errno> errno() {
        return Optional.ofNullable(errno);
    }

    /** Wraps what a plugin threw, keeping a kernel errno when there is one. */
    public static PluginException fromFailure(String plugin, String stage, Throwable t) {
        KernelException ke = kernelCause(t);
        if (ke != null) {
            return new PluginException(plugin, ke.errno(), "plugin '" + plugin + "' failed " + stage + ": "
                    + ke.getMessage(), t);
        }
        return new PluginException(plugin, null, "plugin '" + plugin + "' failed " + stage + ": "
                + t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()), t);
    }

    /** The first {@link KernelException} along the cause chain, or null. */
    public static KernelException kernelCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KernelException ke) {
                return ke;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
