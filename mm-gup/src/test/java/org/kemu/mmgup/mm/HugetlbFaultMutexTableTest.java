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
        assertThat(Integer.toUnsignedLong(jhash2(words, 0))).isEqualTo(expected);
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
            assertThat(HugetlbFaultMutexTable.jhash2Of4(w[0], w[1], w[2], w[3])).isEqualTo(jhash2(w, 0));
        }
    }

    /**
     * include/linux/jhash.h {@code jhash2()} in its general form, Bob Jenkins' lookup3 over u32 words:
     * the reference the unrolled four-word form is checked against.
     */
    private static int jhash2(int[] k, int initval) {
        int length = k.length;
        int a = 0xdeadbeef /* JHASH_INITVAL */ + (length << 2) + initval;
        int b = a;
        int c = a;
        int i = 0;
        while (length > 3) {
            a += k[i];
            b += k[i + 1];
            c += k[i + 2];
            // __jhash_mix
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            length -= 3;
            i += 3;
        }
        if (length == 0) {
            return c;
        }
        if (length == 3) {
            c += k[i + 2];
        }
        if (length >= 2) {
            b += k[i + 1];
        }
        a += k[i];
        // __jhash_final
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }
}
