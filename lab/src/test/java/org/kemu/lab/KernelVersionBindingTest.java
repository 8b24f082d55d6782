package org.kemu.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.ThrottleModel;
import org.kemu.vfiotype1.OverflowChecks;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Params;

/** The kernel version reaches every module through the root's bindings (docs/kernel-versions.md). */
class KernelVersionBindingTest {
    private final MachineProfile intel = Profiles.builtIn("intel-8167m");

    @Test
    void thePublishedDefaultsAre514() {
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.serial()), MemoryConfig.defaults());
        assertThat(lab.config().kernelVersion()).isEqualTo(KernelVersion.V5_14);
        assertThat(lab.config().pickPolicy()).isEqualTo(PickPolicy.CFS);
        assertThat(lab.config().throttleModel()).isEqualTo(ThrottleModel.CFS_RQ);
        assertThat(lab.get(Kernel.class).kernelVersion()).isEqualTo(KernelVersion.V5_14);
        // Alex Mastro's EOVERFLOW checks came after v6.18: 5.14's type1 gives EINVAL
        assertThat(lab.get(Type1Params.class).overflowChecks()).isEqualTo(OverflowChecks.LEGACY);
    }

    @Test
    void aVersionSelectsItsPartsAndAnExplicitOptionStillOverrides() {
        LabConfig v618 = LabConfig.of(1, PinConfig.serial()).withKernelVersion(KernelVersion.V6_18);
        Lab lab = Lab.boot(intel, v618, MemoryConfig.defaults());
        assertThat(lab.config().pickPolicy()).isEqualTo(PickPolicy.EEVDF);
        assertThat(lab.config().throttleModel()).isEqualTo(ThrottleModel.TASK_BASED);
        assertThat(lab.get(Kernel.class).kernelVersion()).isEqualTo(KernelVersion.V6_18);
        Lab cfs = Lab.boot(intel, v618.withPickPolicy(PickPolicy.CFS), MemoryConfig.defaults());
        assertThat(cfs.config().pickPolicy()).isEqualTo(PickPolicy.CFS);
        assertThat(cfs.config().kernelVersion()).isEqualTo(KernelVersion.V6_18);
    }
}
