package org.kemu.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.GupCosts;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.IommuDomainSpec;

class LabModuleTest {
    private final MachineProfile intel = Profiles.builtIn("intel-8167m");
    private final GuestSpec small = new GuestSpec(Backing.HUGETLB, 1L << 30, 0);

    @Test
    void bootsTheProfilesMachine() {
        Lab lab = Lab.boot(intel, LabConfig.of(7, PinConfig.serial()), org.kemu.mmgup.MemoryConfig.defaults());
        Kernel k = lab.kernel();
        assertThat(k.topology().nrCpus()).isEqualTo(104);
        assertThat(k.seed()).isEqualTo(7);
        assertThat(lab.kernel()).isSameAs(k);
        assertThat(lab.get(GupCosts.class)).isEqualTo(intel.gup());
    }

    @Test
    void aSlowerIommuDomainMakesThePinSlower() {
        GuestInitResult base = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()),
                new GuestSpec(Backing.HUGETLB, 1L << 30, 1));
        GuestInitResult slow = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()),
                new GuestSpec(Backing.HUGETLB, 1L << 30, 1),
                b -> b.bind(IommuDomainSpec.class).toInstance(IommuDomainSpec.vtd("slow")
                        .withCosts(org.kemu.vfiotype1.IommuCosts.of(1_000_000, java.util.Map.of(), 0))));
        assertThat(slow.pinNs()).isGreaterThan(base.pinNs());
        assertThat(slow.invariantViolations()).isEmpty();
    }

    @Test
    void multithreadedPinBeatsSerialWithTheCache() {
        // calibration.md input 2: 16 padata threads with the locked_vm cache pin 12x faster on intel
        GuestInitResult serial = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), small);
        GuestInitResult mt = Lab.guestInit(intel, LabConfig.of(1, PinConfig.padata(16, 65536)), small);
        assertThat(mt.pinNs()).isLessThan(serial.pinNs() / 3);
        assertThat(mt.invariantViolations()).isEmpty();
    }
}
