package org.kemu.mmgup.mm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;

/** mm/hugetlb.c {@code hugetlb_init()} sizing and {@code hugetlb_fault_mutex_hash()} (5.14). */
class HugetlbFaultMutexTableTest {

    /** {@code num_fault_mutexes = roundup_pow_of_two(8 * num_possible_cpus())}. */
    @ParameterizedTest
    @CsvSource({"1, 8", "3, 32", "4, 32", "6, 64", "8, 64", "12, 128"})
    void tableHoldsEightMutexesPerCpuRoundedUpToAPowerOfTwo(int cpus, int size) {
        HugetlbFaultMutexTable t = new HugetlbFaultMutexTable(Kernels.simulated(KernelConfig.of(MachineSpec.simple(cpus), 1)));
        assertThat(t.size()).isEqualTo(size);
        assertThat(t.mutexFor(1, 0)).isSameAs(t.mutexFor(1, 0));
    }

    /**
     * jhash2 of {@code {mapping, idx}} as u32 words with initval 0: values from include/linux/jhash.h's
     * jhash2 compiled as C on x86_64 (little-endian unsigned long key[2]).
     */
    @ParameterizedTest
    @CsvSource({"1, 0, 2993763464", "1, 1, 2507215110", "2, 0, 2191088751", "-131391334099336, 7, 2277855123"})
    void hashIsTheKernelsJhash2(long mapping, long idx, long expected) {
        int[] words = {(int) mapping, (int) (mapping >>> 32), (int) idx, (int) (idx >>> 32)};
        assertThat(Integer.toUnsignedLong(HugetlbFaultMutexTable.jhash2(words, 0))).isEqualTo(expected);
        assertThat(HugetlbFaultMutexTable.hash(mapping, idx, 64)).isEqualTo((int) (expected & 63));
        assertThat(Integer.toUnsignedLong(HugetlbFaultMutexTable.jhash2Of4(words[0], words[1], words[2], words[3])))
                .isEqualTo(expected);
    }

    /** The unrolled four-word form the fault path uses is jhash2 of those four words, for any words. */
    @org.junit.jupiter.api.Test
    void unrolledFourWordHashIsJhash2() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(15);
        for (int n = 0; n < 10_000; n++) {
            int[] w = {r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt()};
            assertThat(HugetlbFaultMutexTable.jhash2Of4(w[0], w[1], w[2], w[3])).isEqualTo(HugetlbFaultMutexTable.jhash2(w, 0));
        }
    }
}
