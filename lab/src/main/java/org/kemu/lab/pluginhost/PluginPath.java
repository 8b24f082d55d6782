package org.kemu.lab.pluginhost;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import org.kemu.schedfair.Errno;

/**
 * Where plugins from outside kemu live ({@code kemu --plugin-path} or {@code KEMU_PLUGIN_PATH}): jar
 * files and directories, separated like a class path. A directory is a root of classes (with its
 * {@code META-INF/services}) and also holds jars: each {@code *.jar} directly inside it is an entry
 * too, so a plugin can be dropped into a directory as its jar.
 */
public final class PluginPath {
    /** No plugins from outside: only the shipped ones. */
    public static final PluginPath NONE = new PluginPath(List.of());

    private final List<Path> entries;

    private PluginPath(List<Path> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * The entries of {@code spec} ({@code File.pathSeparator}-separated; null or blank is
     * {@link #NONE}). ENOENT naming the entry when one does not exist, EINVAL when it is neither a
     * directory nor a jar.
     */
    public static PluginPath parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        List<Path> out = new ArrayList<>();
        for (String s : spec.split(File.pathSeparator)) {
            if (s.isBlank()) {
                continue;
            }
            Path p = Path.of(s.strip()).toAbsolutePath().normalize();
            if (!Files.exists(p)) {
                throw new PluginException(null, Errno.ENOENT, "plugin path entry '" + s + "' does not exist", null);
            }
            if (!Files.isDirectory(p) && !p.getFileName().toString().endsWith(".jar")) {
                throw new PluginException(null, Errno.EINVAL, "plugin path entry '" + s
                        + "' is neither a directory nor a .jar", null);
            }
            out.add(p);
        }
        return new PluginPath(out);
    }

    public List<Path> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** A loader over the entries (and the jars inside directory entries) whose parent is {@code parent}. */
    public URLClassLoader loaderOver(ClassLoader parent) {
        List<URL> urls = new ArrayList<>();
        try {
            for (Path p : entries) {
                urls.add(p.toUri().toURL());
                if (Files.isDirectory(p)) {
                    try (Stream<Path> s = Files.list(p)) {
                        for (Path jar : s.filter(j -> j.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                            urls.add(jar.toUri().toURL());
                        }
                    }
                }
            }
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new PluginException(null, Errno.EIO, "cannot list plugin path directory: " + e.getMessage(), e);
        }
        return new PathLoader(urls.toArray(URL[]::new), parent);
    }

    /**
     * Loads classes parent first, as any child loader, but lists only its own service files: the
     * registry has already read the parent's, and would otherwise meet every shipped provider (and
     * every broken one) twice.
     */
    private static final class PathLoader extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        PathLoader(URL[] urls, ClassLoader parent) {
            super("kemu-plugin-path", urls, parent);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return name.startsWith("META-INF/services/") ? findResources(name) : super.getResources(name);
        }
    }

    @Override
    public String toString() {
        return entries.stream().map(Path::toString).reduce((a, b) -> a + File.pathSeparator + b).orElse("");
    }
}
