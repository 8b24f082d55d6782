package org.kemu.lab.pluginhost;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.kemu.lab.Lab;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.TaskSpec;

/**
 * The plugins known to one class loader, and the one place that calls into them. Every call into a
 * plugin is guarded: a provider that cannot be instantiated, a name registered twice, a parameter
 * declared badly, or a run that throws becomes a {@link PluginException} naming the plugin (and the
 * errno when the kernel returned one), never a broken registry or a half-run kernel reused elsewhere.
 */
public final class PluginRegistry {
    /** ServiceLoader keeps going after a broken provider; this bounds a pathological loader. */
    private static final int MAX_PROVIDER_ERRORS = 1000;

    private final TreeMap<String, KernelJobPlugin> plugins = new TreeMap<>();
    /** Plugins that came from the plugin path rather than kemu's own class path. */
    private final Set<String> fromPluginPath = new HashSet<>();
    /** Names claimed by more than one provider during {@link #load}: unusable, with the error to give. */
    private final TreeMap<String, PluginException> duplicates = new TreeMap<>();
    /** Plugins refused for their declarations, by name: {@link #get} gives the reason, not "no plugin". */
    private final TreeMap<String, PluginException> rejected = new TreeMap<>();
    private final List<PluginException> problems = new ArrayList<>();

    /** An empty registry; add plugins with {@link #register}. */
    public PluginRegistry() {
    }

    /**
     * Discovers every {@link KernelJobPlugin} that {@code loader} lists in
     * {@code META-INF/services}. Broken providers and rejected plugins are recorded in
     * {@link #problems()}; a name claimed twice is rejected for both claimants, because which one
     * should win depends on class-path order.
     */
    public static PluginRegistry load(ClassLoader loader) {
        PluginRegistry r = new PluginRegistry();
        r.loadFrom(loader, type -> true, false);
        return r;
    }

    /**
     * The plugins of {@code shipped} (kemu's own class path), then those of {@code path} in a child
     * loader of it. A plugin from the path that reuses a shipped plugin's name is refused, naming both
     * jars: it never displaces the shipped one.
     */
    public static PluginRegistry load(ClassLoader shipped, PluginPath path) {
        PluginRegistry r = load(shipped);
        if (!path.isEmpty()) {
            ClassLoader outside = path.loaderOver(shipped);
            r.loadFrom(outside, type -> type.getClassLoader() == outside, true);
        }
        return r;
    }

    /** Loads through the thread's context class loader (or this class's loader). */
    public static PluginRegistry load() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return load(cl != null ? cl : PluginRegistry.class.getClassLoader());
    }

    private void loadFrom(ClassLoader loader, Predicate<Class<?>> mine, boolean pluginPath) {
        Iterator<ServiceLoader.Provider<KernelJobPlugin>> it = ServiceLoader.load(KernelJobPlugin.class, loader)
                .stream().iterator();
        int errors = 0;
        while (errors < MAX_PROVIDER_ERRORS) {
            KernelJobPlugin p;
            try {
                if (!it.hasNext()) {
                    break;
                }
                ServiceLoader.Provider<KernelJobPlugin> provider = it.next();
                if (!mine.test(provider.type())) {
                    continue;
                }
                p = provider.get();
            } catch (ServiceConfigurationError | LinkageError e) {
                errors++;
                problems.add(new PluginException(null, null, "a plugin provider could not be loaded: "
                        + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"), e));
                continue;
            }
            loadOne(p, pluginPath);
        }
    }

    /** The jar or class directory {@code type} was loaded from, for messages. */
    static String sourceOf(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return "(unknown location)";
        }
        try {
            return Path.of(cs.getLocation().toURI()).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return cs.getLocation().toString();
        }
    }

    private static String described(KernelJobPlugin p) {
        return p.getClass().getName() + " in " + sourceOf(p.getClass());
    }

    private void loadOne(KernelJobPlugin p, boolean pluginPath) {
        String name;
        try {
            name = checkedName(p);
        } catch (PluginException e) {
            problems.add(e);
            return;
        }
        KernelJobPlugin other = plugins.get(name);
        if (pluginPath && other != null && !fromPluginPath.contains(name)) {
            problems.add(new PluginException(name, Errno.EEXIST, "plugin '" + name + "' from the plugin path ("
                    + described(p) + ") is not loaded: kemu ships a plugin of that name (" + described(other)
                    + "); rename yours", null));
            return;
        }
        if (duplicates.containsKey(name)) {
            PluginException first = duplicates.get(name);
            PluginException e = new PluginException(name, Errno.EEXIST, first.getMessage() + ", " + described(p),
                    null);
            duplicates.put(name, e);
            problems.add(e);
            return;
        }
        if (other != null) {
            plugins.remove(name);
            fromPluginPath.remove(name);
            PluginException e = new PluginException(name, Errno.EEXIST, "plugin name '" + name
                    + "' is registered more than once, so none is loaded: by " + described(other) + ", "
                    + described(p), null);
            duplicates.put(name, e);
            problems.add(e);
            return;
        }
        try {
            checkDeclarations(name, p);
        } catch (PluginException e) {
            rejected.put(name, e);
            problems.add(e);
            return;
        }
        plugins.put(name, p);
        if (pluginPath) {
            fromPluginPath.add(name);
        }
    }

    /**
     * Adds {@code plugin}; EEXIST when its name is taken, EINVAL for a bad name or parameter
     * declaration. A rejected plugin leaves the registry as it was.
     */
    public PluginRegistry register(KernelJobPlugin plugin) {
        String name = checkedName(plugin);
        KernelJobPlugin other = plugins.get(name);
        if (other != null || duplicates.containsKey(name)) {
            throw new PluginException(name, Errno.EEXIST, "plugin name '" + name + "' is already registered"
                    + (other != null ? " by " + other.getClass().getName() : "") + "; cannot register "
                    + plugin.getClass().getName(), null);
        }
        checkDeclarations(name, plugin);
        plugins.put(name, plugin);
        return this;
    }

    private static String checkedName(KernelJobPlugin p) {
        String name;
        try {
            name = p.name();
        } catch (RuntimeException | LinkageError e) {
            throw new PluginException(null, null, "plugin " + p.getClass().getName() + " failed to tell its name: "
                    + e, e);
        }
        if (name == null || !PluginParam.NAME.matcher(name).matches()) {
            throw new PluginException(name, Errno.EINVAL, "plugin " + p.getClass().getName() + " has an invalid name '"
                    + name + "' (lower-case words joined by hyphens)", null);
        }
        return name;
    }

    private static void checkDeclarations(String name, KernelJobPlugin p) {
        try {
            List<PluginParam> params = p.parameters();
            if (params == null) {
                throw new KernelException(Errno.EINVAL, "param:declaration", "parameters() returned null");
            }
            ParamParser.checkDeclarations(params);
            p.description();
        } catch (RuntimeException | LinkageError e) {
            throw PluginException.fromFailure(name, "its parameter declarations", e);
        }
    }

    /** Loaded plugins, by name. */
    public List<PluginInfo> plugins() {
        List<PluginInfo> out = new ArrayList<>();
        for (KernelJobPlugin p : plugins.values()) {
            String d;
            try {
                d = p.description();
            } catch (RuntimeException e) {
                d = "(description failed: " + e + ")";
            }
            out.add(new PluginInfo(p.name(), d == null ? "" : d, p.parameters(), p.getClass().getName(),
                    sourceOf(p.getClass()), !fromPluginPath.contains(p.name())));
        }
        return out;
    }

    /** What went wrong while loading: broken providers, duplicate names, bad declarations. */
    public List<PluginException> problems() {
        return List.copyOf(problems);
    }

    public boolean contains(String name) {
        return plugins.containsKey(name);
    }

    /** The plugin named {@code name}; ENOENT when unknown, EEXIST when its name was claimed twice. */
    public KernelJobPlugin get(String name) {
        KernelJobPlugin p = plugins.get(name);
        if (p != null) {
            return p;
        }
        PluginException dup = duplicates.get(name);
        if (dup != null) {
            throw dup;
        }
        PluginException refused = rejected.get(name);
        if (refused != null) {
            throw new PluginException(name, refused.errno().orElse(null), "plugin '" + name
                    + "' was found but not loaded: " + refused.getMessage(), refused);
        }
        throw new PluginException(name, Errno.ENOENT, "no plugin named '" + name + "' (known: "
                + String.join(", ", plugins.keySet()) + ")" + (problems.isEmpty() ? ""
                        : "; " + problems.size() + " plugin(s) failed to load, see kemu plugins"), null);
    }

    /** Parses {@code params} for plugin {@code name}: EINVAL naming the parameter for a bad value. */
    public PluginParams parseParams(String name, Map<String, String> params) {
        KernelJobPlugin p = get(name);
        try {
            return ParamParser.parseAll(p.parameters(), params);
        } catch (KernelException e) {
            throw new PluginException(name, e.errno(), "plugin '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Runs plugin {@code name} on {@code lab}'s kernel; see {@link #run(String, Map, Lab, PluginRunHook)}. */
    public PluginResult run(String name, Map<String, String> params, Lab lab) {
        return run(name, params, lab, PluginRunHook.NONE);
    }

    /**
     * Runs plugin {@code name} with {@code params} (string forms; defaults fill the rest) on a new
     * main task of {@code lab}'s kernel, then runs the kernel until every task has exited. A
     * failure of any kind is a {@link PluginException}; the kernel is then in an undefined state and
     * must be discarded (the runner boots a fresh one per run).
     */
    public PluginResult run(String name, Map<String, String> params, Lab lab, PluginRunHook hook) {
        KernelJobPlugin p = get(name);
        PluginParams parsed = parseParams(name, params);
        Kernel k = lab.kernel();
        AtomicReference<PluginResult> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        k.spawn(TaskSpec.kthread("plugin/" + name), () -> {
            hook.beforeRun(k.current());
            try {
                result.set(p.run(new LabPluginContext(name, lab), parsed));
            } catch (RuntimeException | Error e) {
                if (Kernels.isRunAbort(e) || k.runAborted()) {
                    // the run was stopped by another failure (a helper's exception, a deadlock, a
                    // time limit) and this is its echo here (the unwinding, an interrupted sleep):
                    // the run's error is that first failure, which k.run() below throws. Recording
                    // the echo reported "run aborted", and only when the main task got here before
                    // the driver returned: a race, so not even deterministically.
                    if (Kernels.isRunAbort(e)) {
                        throw e;
                    }
                    return;
                }
                failure.set(e);
            } finally {
                hook.afterRun(k.current());
            }
        });
        try {
            k.run();
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
        }
        Throwable f = failure.get();
        if (f != null) {
            if (f instanceof VirtualMachineError vme && !(f instanceof StackOverflowError)) {
                throw vme;
            }
            throw PluginException.fromFailure(name, "while running", f);
        }
        if (result.get() == null) {
            throw new PluginException(name, "plugin '" + name + "' returned no result");
        }
        return result.get();
    }
}
