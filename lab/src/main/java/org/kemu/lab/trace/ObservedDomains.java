package org.kemu.lab.trace;

import com.google.inject.Binder;
import com.google.inject.Binding;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.Provider;
import com.google.inject.Scope;
import com.google.inject.Scopes;
import com.google.inject.Stage;
import com.google.inject.binder.ScopedBindingBuilder;
import com.google.inject.name.Names;
import com.google.inject.spi.DefaultBindingScopingVisitor;
import com.google.inject.spi.DefaultBindingTargetVisitor;
import com.google.inject.spi.Element;
import com.google.inject.spi.Elements;
import com.google.inject.spi.InstanceBinding;
import com.google.inject.spi.LinkedKeyBinding;
import com.google.inject.spi.ProviderInstanceBinding;
import com.google.inject.spi.ProviderKeyBinding;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import org.kemu.vfiotype1.IommuDomainFactory;

/**
 * Puts a {@link RunObserver} between the {@link IommuDomainFactory} binding in effect and its users,
 * whatever that binding is (the root's default or a caller's override): the binding moves to a
 * private key and {@code IommuDomainFactory} becomes the observer's wrapper of it. So observing a run
 * never competes with an override for the same key (issue 12 defect 2: metrics plus an overridden
 * domain factory failed with BindingAlreadySet).
 */
public final class ObservedDomains {
    private static final Key<IommuDomainFactory> KEY = Key.get(IommuDomainFactory.class);
    private static final Key<IommuDomainFactory> BOUND = Key.get(IommuDomainFactory.class,
            Names.named("kemu.bound-iommu-domain-factory"));

    private ObservedDomains() {
    }

    /** {@code root} (the composed module, overrides applied) with {@code observer} watching its domain factory. */
    public static Module around(Module root, RunObserver observer) {
        List<Element> rest = new ArrayList<>();
        List<Binding<IommuDomainFactory>> bound = new ArrayList<>();
        for (Element e : Elements.getElements(Stage.PRODUCTION, root)) {
            if (e instanceof Binding<?> b && b.getKey().equals(KEY)) {
                @SuppressWarnings("unchecked")
                Binding<IommuDomainFactory> f = (Binding<IommuDomainFactory>) b;
                bound.add(f);
            } else {
                rest.add(e);
            }
        }
        return binder -> {
            Elements.getModule(rest).configure(binder);
            for (Binding<IommuDomainFactory> b : bound) {
                rebind(binder.withSource(b.getSource()), b);
            }
            Provider<IommuDomainFactory> inner = binder.getProvider(BOUND);
            binder.bind(KEY).toProvider(() -> observer.watch(inner.get())).in(Scopes.SINGLETON);
        };
    }

    /** {@code b}'s target and scope, under {@link #BOUND}. */
    private static void rebind(Binder binder, Binding<IommuDomainFactory> b) {
        ScopedBindingBuilder scoped = b.acceptTargetVisitor(
                new DefaultBindingTargetVisitor<IommuDomainFactory, ScopedBindingBuilder>() {
                    @Override
                    public ScopedBindingBuilder visit(InstanceBinding<? extends IommuDomainFactory> i) {
                        binder.bind(BOUND).toInstance(i.getInstance());
                        return null;
                    }

                    @Override
                    public ScopedBindingBuilder visit(LinkedKeyBinding<? extends IommuDomainFactory> l) {
                        return binder.bind(BOUND).to(l.getLinkedKey());
                    }

                    @Override
                    public ScopedBindingBuilder visit(ProviderInstanceBinding<? extends IommuDomainFactory> p) {
                        return binder.bind(BOUND).toProvider(p.getUserSuppliedProvider());
                    }

                    @Override
                    public ScopedBindingBuilder visit(ProviderKeyBinding<? extends IommuDomainFactory> p) {
                        return binder.bind(BOUND).toProvider(p.getProviderKey());
                    }

                    @Override
                    protected ScopedBindingBuilder visitOther(Binding<? extends IommuDomainFactory> other) {
                        throw new IllegalStateException("cannot observe an IommuDomainFactory bound as " + other);
                    }
                });
        if (scoped == null) {
            return;
        }
        b.acceptScopingVisitor(new DefaultBindingScopingVisitor<Void>() {
            @Override
            public Void visitEagerSingleton() {
                scoped.asEagerSingleton();
                return null;
            }

            @Override
            public Void visitScope(Scope scope) {
                scoped.in(scope);
                return null;
            }

            @Override
            public Void visitScopeAnnotation(Class<? extends Annotation> annotation) {
                scoped.in(annotation);
                return null;
            }
        });
    }
}
