package org.kemu.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.GupCosts;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Topology;
import org.kemu.mmgup.GupFlavour;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;

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

    /**
     * The lab's kernel starts its run at a point of its jiffy drawn from the seed
     * (KernelConfig.withSeededTickOffset): a seed is one draw of where the ticks fall, the same seed
     * the same draw. Threads that wait on each other feel it; a lone thread's pin barely does.
     */
    @Test
    void theSeedDrawsWhereTheTicksFall() {
        long[] offsets = new long[4];
        for (int seed = 1; seed <= 4; seed++) {
            Lab lab = Lab.boot(intel, LabConfig.of(seed, PinConfig.serial()), org.kemu.mmgup.MemoryConfig.defaults());
            offsets[seed - 1] = lab.kernel().ticks().offsetNs();
            assertThat(offsets[seed - 1]).isEqualTo(org.kemu.schedfair.KernelConfig.of(intel.machineSpec(), seed)
                    .withSeededTickOffset().tickOffsetNs());
        }
        assertThat(offsets).doesNotHaveDuplicates();
        GuestSpec threaded = new GuestSpec(Backing.HUGETLB, 4L << 30, 0);
        java.util.Set<Long> pins = new java.util.HashSet<>();
        for (int seed = 1; seed <= 4; seed++) {
            pins.add(Lab.guestInit(intel, LabConfig.of(seed, PinConfig.padata(16).withLockCachePages(0)), threaded).pinNs());
        }
        assertThat(pins).as("16 threads queueing on the mmap lock: each draw its own pin").hasSizeGreaterThan(1);
        assertThat(Lab.guestInit(intel, LabConfig.of(2, PinConfig.padata(16).withLockCachePages(0)), threaded).pinNs())
                .as("the same seed, the same draw").isIn(pins);
        long serial1 = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), threaded).pinNs();
        long serial2 = Lab.guestInit(intel, LabConfig.of(2, PinConfig.serial()), threaded).pinNs();
        assertThat((double) Math.abs(serial1 - serial2)).isLessThan(serial1 * 1e-3);
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
        // docs/calibration-inputs.md input 2: 16 padata threads with the locked_vm cache pin 12x faster on intel
        GuestInitResult serial = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), small);
        GuestInitResult mt = Lab.guestInit(intel, LabConfig.of(1, PinConfig.padata(16)), small);
        assertThat(mt.pinNs()).isLessThan(serial.pinNs() / 3);
        assertThat(mt.invariantViolations()).isEmpty();
    }

    /**
     * Issue 12 defect 1: overriding the pin configuration with a folio-serial one gives folio-batched
     * GUP, seen in the pin time: the same as the folio-serial run, and unlike per-page GUP (mm/gup.c's
     * folio-batched form charges per folio run, not per page).
     */
    @Test
    void overridingThePinConfigWithFolioSerialGivesFolioBatchedGup() {
        GuestSpec thp = new GuestSpec(Backing.THP, 1L << 30, 0);
        GuestInitResult serial = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), thp);
        GuestInitResult folio = Lab.guestInit(intel, LabConfig.of(1, PinConfig.folioBatched()), thp);
        GuestInitResult overridden = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), thp,
                b -> b.bind(PinConfig.class).toInstance(PinConfig.folioBatched()));
        assertThat(folio.pinNs()).isNotEqualTo(serial.pinNs());
        assertThat(overridden.pinNs()).isEqualTo(folio.pinNs());
        assertThat(overridden.pin().gupNs() + overridden.pin().faultClearNs())
                .isEqualTo(folio.pin().gupNs() + folio.pin().faultClearNs());
    }

    /**
     * Issue 12 defect 3: choosing FOLIO_BATCHED GUP (the pin configuration's GUP flavour) takes effect
     * on its own, with 5.14's per-run VFIO steps otherwise unchanged: less time inside
     * pin_user_pages_remote() for a THP guest, whose folios are 512 pages.
     */
    @Test
    void choosingFolioBatchedGupTakesEffect() {
        GuestSpec thp = new GuestSpec(Backing.THP, 1L << 30, 1);
        GuestInitResult perPage = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), thp);
        GuestInitResult batched = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), thp,
                b -> b.bind(PinConfig.class).toInstance(PinConfig.serial().withGup(GupFlavour.FOLIO_BATCHED)));
        assertThat(batched.pin().gupNs()).isLessThan(perPage.pin().gupNs());
        assertThat(batched.invariantViolations()).isEmpty();
    }

    @Test
    void aMachineTheMemoryModelCannotHoldFailsWithTheSubsystemsOwnError() {
        // issue 17 defect 12: the refusal came inside a Guice CreationException that listed it twice
        MachineSpec big = new MachineSpec("big", new Topology(2, 4, 1, 9L << 40),
                new MemoryBandwidth(10e9, 10e9), RuntimeCosts.FREE);
        assertThatThrownBy(() -> Lab.boot(MachineProfile.of(big), LabConfig.defaults(1),
                org.kemu.mmgup.MemoryConfig.defaults()))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("16 TiB")
                .satisfies(e -> assertThat(((KernelException) e).errno()).isNotNull());
    }
}
