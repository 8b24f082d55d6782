package org.kemu.integrationtests.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.Backing;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.PinMode;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;

/**
 * Issue 17, "adversarial suites": seeded random MAP_DMA / UNMAP_DMA (UNMAP_ALL, partial, bad
 * arguments), munmap of mapped memory, RLIMIT_MEMLOCK changes and domain attaches, on every pin mode
 * and every backing, each operation checked against {@link Type1Model} (v5.14 {@code vfio_dma_do_map},
 * {@code vfio_dma_do_unmap}, {@code vfio_pin_map_dma}) and followed by every checker
 * ({@link RandomType1Sequence}). The operation count is {@link AdversarialScale#totalOps()} spread
 * over the matrix: small in CI, 10^6 with {@code -Padversarial-large} (docs/testing.md).
 */
class RandomType1OpsIT {

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (PinMode p : AdversarialMatrix.pinModes()) {
            for (Backing b : Backing.values()) {
                out.add(Arguments.of(p, b));
            }
        }
        return out.stream();
    }

    /** A seed per cell, fixed, so a failing cell is rerun exactly; printed in every failure. */
    private static long seedOf(PinMode p, Backing b) {
        return 17L * 1_000_003 + p.label().hashCode() * 31L + b.ordinal();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("matrix")
    void randomOperationsAgreeWithTheModelAndKeepEveryInvariant(PinMode p, Backing b) {
        long ops = AdversarialScale.opsPerCell(AdversarialMatrix.cells());
        RandomType1Sequence s = run(p, b, seedOf(p, b), ops);
        // the sequence reached the interesting outcomes, not only the happy path
        assertThat(s.counts).containsKeys("map ok", "unmap ok");
        if (ops >= 200) {
            assertThat(s.counts.keySet()).anyMatch(k -> k.startsWith("map bad EINVAL"))
                    .anyMatch(k -> k.endsWith("EEXIST"));
        }
    }

    /** Same inputs and seed: the same operations with the same outcomes and the same virtual time. */
    @Test
    void aSequenceIsAPureFunctionOfItsSeed() {
        PinMode padata = AdversarialMatrix.pinModes().stream().filter(p -> p.label().equals("padata+cache")).findFirst()
                .orElseThrow();
        for (Backing b : new Backing[] {Backing.THP, Backing.HUGETLB_2M}) {
            RandomType1Sequence a = run(padata, b, 99, 300);
            RandomType1Sequence c = run(padata, b, 99, 300);
            assertThat(c.trace()).isEqualTo(a.trace());
            assertThat(c.endNs).isEqualTo(a.endNs);
        }
    }

    private static RandomType1Sequence run(PinMode p, Backing b, long seed, long ops) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), seed));
        Type1World w = new Type1World(k, p, b);
        RandomType1Sequence s = new RandomType1Sequence(w, seed);
        w.run(() -> {
            s.run(ops);
            s.endNs = k.now();
        });
        return s;
    }
}
