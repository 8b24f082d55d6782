package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The tick grid: jiffies and tick instants of a run that starts part-way into a jiffy. */
class TickGridTest {
    private static final long MS = 1_000_000L;

    @Test
    void aRunStartingOnATickHasItsTicksAtMultiplesOfTheTick() {
        TickGrid g = new TickGrid(1000, 0);
        assertThat(g.tickNs()).isEqualTo(MS);
        assertThat(g.jiffies(0)).isZero();
        assertThat(g.jiffies(MS - 1)).isZero();
        assertThat(g.jiffies(MS)).isEqualTo(1);
        assertThat(g.tickAtOrAfter(0)).isZero();
        assertThat(g.tickAtOrAfter(1)).isEqualTo(MS);
        assertThat(g.tickAfter(0)).isEqualTo(MS);
        assertThat(g.tickOf(3)).isEqualTo(3 * MS);
    }

    @Test
    void anOffsetMovesEveryTickEarlierByIt() {
        TickGrid g = new TickGrid(1000, 300_000);
        // time 0 is 0.3 ms into jiffy 0: the first tick is 0.7 ms later
        assertThat(g.jiffies(0)).isZero();
        assertThat(g.jiffies(699_999)).isZero();
        assertThat(g.jiffies(700_000)).isEqualTo(1);
        assertThat(g.tickAtOrAfter(0)).isEqualTo(700_000);
        assertThat(g.tickAtOrAfter(700_000)).isEqualTo(700_000);
        assertThat(g.tickAfter(700_000)).isEqualTo(1_700_000);
        assertThat(g.tickOf(g.jiffies(5 * MS))).isEqualTo(4_700_000);
        assertThat(g.tickAtOrAfter(Long.MAX_VALUE - 10)).isEqualTo(Long.MAX_VALUE);
    }

    /** TICK_NSEC = (NSEC_PER_SEC + HZ / 2) / HZ (include/linux/jiffies.h): 3,333,333 ns at HZ 300. */
    @Test
    void theTickIsTickNsecOfHz() {
        assertThat(new TickGrid(300, 0).tickNs()).isEqualTo(3_333_333);
        assertThat(new TickGrid(250, 0).tickNs()).isEqualTo(4 * MS);
    }

    @Test
    void anOffsetOutsideTheTickIsEinval() {
        assertThatThrownBy(() -> new TickGrid(1000, MS)).isInstanceOfSatisfying(KernelException.class,
                e -> assertThat(e.check()).isEqualTo("config:tick_offset"));
        assertThatThrownBy(() -> new TickGrid(1000, -1)).isInstanceOf(KernelException.class);
        assertThatThrownBy(() -> KernelConfig.of(MachineSpec.simple(1), 1).withHz(250).withTickOffsetNs(3 * MS).withHz(1000))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    /** The seeded offset is a function of the seed alone, inside the tick, and differs between seeds. */
    @Test
    void theSeededOffsetIsADrawPerSeed() {
        MachineSpec m = MachineSpec.simple(1);
        long a = KernelConfig.of(m, 1).withSeededTickOffset().tickOffsetNs();
        assertThat(KernelConfig.of(m, 1).withSeededTickOffset().tickOffsetNs()).isEqualTo(a);
        assertThat(a).isBetween(0L, MS - 1);
        long b = KernelConfig.of(m, 2).withSeededTickOffset().tickOffsetNs();
        assertThat(b).isNotEqualTo(a);
        assertThat(KernelConfig.of(m, 1).withHz(250).withSeededTickOffset().tickOffsetNs()).isBetween(0L, 4 * MS - 1);
        assertThat(KernelConfig.of(m, 1).tickOffsetNs()).as("the default starts on a tick").isZero();
    }
}
