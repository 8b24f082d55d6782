package org.kemu.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.PinConfig;
import org.kemu.lab.PinMode;
import org.kemu.lab.PinPathAdapter;
import org.kemu.lab.Profiles;
import org.kemu.lab.pin.Type1PinPathAdapter;
import org.kemu.lab.workload.GuestInit;

/**
 * End to end: both shipped profiles boot through the composition root, a small guest init runs on
 * every pin approach and both backings through vfio-type1's real pin path ({@code Type1Container}),
 * then vfio's {@code checkInvariants()} (ContainerInvariants: IOMMU page table equals the DMA tree,
 * pins balanced and equal to the pages mapped, locked_vm equals the charges) and mm-gup's invariants
 * run after the map, and again after everything is unmapped (no pin, no charge left). DESIGN.md 5.
 */
class GuestInitIT {
    static List<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (String profile : Profiles.BUILT_IN) {
            for (PinMode m : PinMode.values()) {
                for (Backing b : Backing.values()) {
                    a.add(Arguments.of(profile, m, b));
                }
            }
        }
        return a;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void smallGuestInitKeepsEveryInvariant(String profile, PinMode mode, Backing backing) {
        var p = Profiles.builtIn(profile);
        PinConfig pin = new PinConfig(mode, mode.threaded() ? 4 : 1, mode.threaded() ? 1024 : 0);
        GuestSpec guest = new GuestSpec(backing, 1L << 30, backing == Backing.THP ? 2 : 0);
        Lab lab = Lab.boot(p, LabConfig.of(3, pin), GuestInit.memoryFor(p, guest));
        assertThat(lab.get(PinPathAdapter.class)).isInstanceOf(Type1PinPathAdapter.class);
        GuestInitResult r = new GuestInit(lab, guest).withTeardown(true).run();
        assertThat(r.invariantViolations()).isEmpty();
        // the real pin path ran: one vfio_pin_pages_remote per contiguous run of RAM and small regions
        assertThat(r.pin().runs()).isGreaterThanOrEqualTo(guest.memBytes() >> 30);
        if (pin.lockCachePages() == 0) {
            // no lock cache (5.14): one vfio_lock_acct per run
            assertThat(r.pin().lockAcctCalls()).isEqualTo(r.pin().runs());
        }
        assertThat(r.pinNs()).isPositive();
        assertThat(r.initNs()).isGreaterThan(r.pinNs());
    }
}
