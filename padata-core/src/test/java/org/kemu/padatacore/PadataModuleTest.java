package org.kemu.padatacore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.util.Modules;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Kernel;

class PadataModuleTest {
    @Test
    void moduleWiresTheSeriesAndOneGlobalStatePerKernel() {
        assertThat(Guice.createInjector(new PadataModule()).getInstance(PadataFeatures.class))
                .isEqualTo(PadataFeatures.rfc2022());
        // the CFS cap needs the cpu controller, which the runtime does not have yet: override it off
        Injector inj = Guice.createInjector(Modules.override(new PadataModule())
                .with(binder -> binder.bind(PadataFeatures.class).toInstance(PadataHarness.noCgroup())));
        PadataFactory f = inj.getInstance(PadataFactory.class);
        Kernel k = PadataHarness.sim(4, 1);
        Padata a = f.forKernel(k);
        Padata b = f.forKernel(k);
        int[] seenByB = {-1};
        PadataHarness.runJob(k, kk -> a.doMultithreaded(PadataMtJob.<Object>builder((s, e, x) -> {
            seenByB[0] = Math.max(seenByB[0], b.worksInUse());
            kk.work(1000);
            return 0;
        }).size(100).maxThreads(4).build()));
        // b sees a's padata_works_inuse (patch 11 counter is per kernel): main + 3 helpers
        assertThat(seenByB[0]).isEqualTo(4);
    }
}
