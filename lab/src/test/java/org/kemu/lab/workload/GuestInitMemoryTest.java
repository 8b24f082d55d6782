package org.kemu.lab.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/** {@link GuestInit#memoryFor}: the guest must fit the machine before boot, and with hugetlb its boot pool each node. */
class GuestInitMemoryTest {
    private static final MachineProfile INTEL = Profiles.builtIn("intel-8167m");

    @Test
    void aGuestLargerThanTheMachineIsRefusedWithBothSizes() {
        assertThatThrownBy(() -> GuestInit.memoryFor(INTEL, new GuestSpec(Backing.THP, 1L << 40, 0)))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEM))
                .hasMessageContaining("1 TiB guest, 768 GiB machine (intel-8167m: 2 nodes x 384 GiB)");
    }

    @Test
    void aHugetlbGuestNeedsItsPoolShareOnEveryNode() {
        // hugetlb_hstate_alloc_pages() spreads hugepages= over the nodes; one node cannot give more than it has
        assertThatThrownBy(() -> GuestInit.memoryFor(INTEL, new GuestSpec(Backing.HUGETLB, 768L << 30, 0)))
                .hasMessageContaining("hugetlb pool of 196609 2 MiB pages (393218 MiB) per node for a 768 GiB guest, 384 GiB per node");
        // the same size backed by THP needs no pool and fits
        assertThat(GuestInit.memoryFor(INTEL, new GuestSpec(Backing.THP, 768L << 30, 0))).isNotNull();
    }

    @Test
    void theLargestPublishedGuestsFit() {
        assertThat(GuestInit.memoryFor(INTEL, new GuestSpec(Backing.HUGETLB, 360L << 30, 0))).isNotNull();
        assertThat(GuestInit.memoryFor(Profiles.builtIn("amd-7j13"), new GuestSpec(Backing.HUGETLB, 980L << 30, 0)))
                .isNotNull();
    }

    @Test
    void sizesReadInTheirLargestUnit() {
        assertThat(GuestInit.bytes(1L << 40)).isEqualTo("1 TiB");
        assertThat(GuestInit.bytes(768L << 30)).isEqualTo("768 GiB");
        assertThat(GuestInit.bytes((384L << 30) + (2L << 20))).isEqualTo("393218 MiB");
    }
}
