package org.kemu.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kemu.lab.trace.RunObservation;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.Task;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.iommu.IommuDomains;

/**
 * Each binding of the root (docs/bindings-table.md) overridden, and its effect seen in what a run
 * produced, not in the injector; plus the two defects of issue 12 that the old root had.
 */
class BindingsTest {
    private final MachineProfile intel = Profiles.builtIn("intel-8167m");
    private final GuestSpec small = new GuestSpec(Backing.HUGETLB, 1L << 30, 0);

    /** A domain factory that remembers every domain it made (the default's domains). */
    static final class Recording implements IommuDomainFactory {
        final List<IommuDomain> made = new ArrayList<>();

        @Override
        public IommuDomain allocate(Kernel kernel, org.kemu.vfiotype1.IommuDomainSpec spec) {
            IommuDomain d = IommuDomains.create(kernel, spec);
            made.add(d);
            return d;
        }
    }

    @Test
    void theConfigReportsTheBoundPartsNotTheOnesBootedWith() {
        // issue 12 defect 1: an overridden binding kept lab.config() reporting what LabConfig said
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.serial()), org.kemu.mmgup.MemoryConfig.defaults(),
                b -> b.bind(PinConfig.class).toInstance(PinConfig.padata(4, 0)),
                b -> b.bind(PickPolicy.class).toInstance(PickPolicy.EEVDF),
                b -> b.bind(PadataFeatures.class).toInstance(PadataFeatures.mainline()));
        assertThat(lab.config().pin()).isEqualTo(PinConfig.padata(4, 0));
        assertThat(lab.config().pickPolicy()).isEqualTo(PickPolicy.EEVDF);
        assertThat(lab.config().padataFeatures()).isEqualTo(PadataFeatures.mainline());
        assertThat(lab.config().seed()).isEqualTo(1);
    }

    @Test
    void anOverriddenDomainFactorySeesTheGuestsMapCallsAndComposesWithMetrics() {
        // issue 12 defect 2: with metrics on (--format json), this override failed with BindingAlreadySet
        Recording recording = new Recording();
        try (RunObservation observation = RunObservation.open(null).collectMetrics(true)) {
            GuestInitResult r = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), small, observation,
                    b -> b.bind(IommuDomainFactory.class).toInstance(recording));
            assertThat(r.invariantViolations()).isEmpty();
            assertThat(recording.made).hasSize(1);
            assertThat(recording.made.get(0).stats().mapCalls()).isPositive();
            assertThat(recording.made.get(0).mappedBytes()).isGreaterThanOrEqualTo(small.memBytes());
            // the observer watched the same domain through the override
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> iommu = (List<Map<String, Object>>) observation.takeMetrics().orElseThrow()
                    .get("iommu");
            assertThat(iommu).hasSize(1);
            assertThat(iommu.get(0).get("map_calls")).isEqualTo(recording.made.get(0).stats().mapCalls());
        }
    }

    @Test
    void padataFeaturesDecideTheHelpersNice() {
        // patch 13 (reference padata.md 3.2): helpers are created at MAX_NICE (patch 14 lends the waiting
        // main task's nice to one unfinished helper at a time, so some end at 0); mainline's never are
        assertThat(helperNices(PadataFeatures.rfc2022())).isNotEmpty().contains(Nice.MAX_NICE);
        // (the padata pin path needs patches 2-3 whatever else is switched off)
        assertThat(helperNices(PadataFeatures.mainline().withReturnFirstError(true).withUndo(true))).isNotEmpty()
                .doesNotContain(Nice.MAX_NICE);
    }

    private List<Integer> helperNices(PadataFeatures features) {
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.padata(8, 0)), org.kemu.lab.workload.GuestInit
                .memoryFor(intel, small), b -> b.bind(PadataFeatures.class).toInstance(features));
        new org.kemu.lab.workload.GuestInit(lab, small).run();
        return lab.kernel().tasks().stream().filter(t -> !t.name().startsWith("qemu"))
                .filter(t -> t.name().startsWith("padata") || t.name().startsWith("kworker")).map(Task::nice)
                .toList();
    }
}
