package org.kemu.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.lab.Approach;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.Profiles;
import org.kemu.lab.workload.GuestInit;
import org.kemu.vfiotype1.PinConfig;

/**
 * End to end: both shipped profiles boot through the composition root, a small guest init runs on
 * every pin approach and both backings through vfio-type1's real pin path ({@code Type1Container}),
 * then vfio's {@code checkInvariants()} (ContainerInvariants: IOMMU page table equals the DMA tree,
 * pins balanced and equal to the pages mapped, locked_vm equals the charges) and mm-gup's invariants
 * run after the map, and again after everything is unmapped (no pin, no charge left). docs/design.md section 5.
 */
class GuestInitIT {
    static List<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (String profile : Profiles.BUILT_IN) {
            for (Approach m : Approach.values()) {
                for (Backing b : Backing.values()) {
                    a.add(Arguments.of(profile, m, b));
                }
            }
        }
        return a;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void smallGuestInitKeepsEveryInvariant(String profile, Approach mode, Backing backing) {
        var p = Profiles.builtIn(profile);
        int threads = mode.threaded() ? 4 : 1;
        PinConfig pin = mode.pinConfig(threads, mode.threaded() ? 1024 : 0);
        GuestSpec guest = new GuestSpec(backing, 1L << 30, backing == Backing.THP ? 2 : 0)
                .withMapDma(mode.userSpaceMapDma(threads));
        Lab lab = Lab.boot(p, LabConfig.of(3, pin), GuestInit.memoryFor(p, guest));
        GuestInitResult r = new GuestInit(lab, guest).withTeardown(true).run();
        // the approach's kernel side ran: padata chunks exactly when it pins with padata
        assertThat(r.pin().padataJobs() > 0).isEqualTo(pin.usesPadata());
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
