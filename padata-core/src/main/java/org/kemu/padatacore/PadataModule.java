package org.kemu.padatacore;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import org.kemu.padatacore.kthread.DefaultPadataFactory;

/**
 * Wires padata-core: the series' features (patches 2-14, remote charging off), free padata costs
 * and the kthread implementation. Override {@link PadataFeatures} or {@link PadataCosts} (e.g. from
 * a machine profile) or the factory itself with {@code Modules.override}.
 */
public final class PadataModule extends AbstractModule {
    @Provides
    @Singleton
    PadataFeatures features() {
        return PadataFeatures.rfc2022();
    }

    @Provides
    @Singleton
    PadataCosts costs() {
        return PadataCosts.FREE;
    }

    @Provides
    @Singleton
    PadataFactory factory(PadataFeatures features, PadataCosts costs) {
        return new DefaultPadataFactory(features, costs);
    }
}
