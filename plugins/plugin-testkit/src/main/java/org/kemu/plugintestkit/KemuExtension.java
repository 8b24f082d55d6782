package org.kemu.plugintestkit;

import java.lang.reflect.Method;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.kemu.lab.Lab;

/**
 * JUnit 5 extension: injects a freshly booted {@link PluginTestMachine} (or its {@link Lab}) into a
 * test method, described by the {@link KemuMachine} on the method or
 * its class. Every parameter of one test gets the same machine.
 *
 * <pre>{@code
 * @ExtendWith(KemuExtension.class)
 * @KemuMachine(nodes = 2, coresPerNode = 4)
 * class MyPluginTest {
 *     @Test void runs(PluginTestMachine m) { ... m.run(new MyPlugin(), Map.of()) ... }
 * }
 * }</pre>
 */
public final class KemuExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KemuExtension.class);

    @KemuMachine
    private static final class Defaults {
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> t = pc.getParameter().getType();
        return t == PluginTestMachine.class || t == Lab.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        PluginTestMachine m = ec.getStore(NS).getOrComputeIfAbsent("machine", k -> boot(ec), PluginTestMachine.class);
        if (m == null) {
            throw new ParameterResolutionException("could not boot a machine");
        }
        return pc.getParameter().getType() == Lab.class ? m.lab() : m;
    }

    private static PluginTestMachine boot(ExtensionContext ec) {
        Optional<Method> method = ec.getTestMethod();
        KemuMachine a = method.map(x -> x.getAnnotation(KemuMachine.class)).orElse(null);
        if (a == null) {
            a = ec.getTestClass().map(c -> c.getAnnotation(KemuMachine.class)).orElse(null);
        }
        if (a == null) {
            a = Defaults.class.getAnnotation(KemuMachine.class);
        }
        return PluginTestMachine.of(a);
    }
}
