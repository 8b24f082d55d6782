package org.kemu.mmgup.mm;

import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Mutex;

/**
 * mm/hugetlb.c {@code hugetlb_fault_mutex_table}: a fixed table of mutexes that serialises faults
 * of the same huge page (same mapping and page index), so that only one task allocates it and
 * consumes its reservation. {@code hugetlb_init()} sizes it {@code roundup_pow_of_two(8 *
 * num_possible_cpus())}; distinct pages whose hashes collide share a mutex, as in the kernel. One per
 * kernel ({@link Kernel#subsystemState}), like the kernel's global.
 */
final class HugetlbFaultMutexTable {
    private static final int JHASH_INITVAL = 0xdeadbeef;

    private final Mutex[] mutexes;

    HugetlbFaultMutexTable(Kernel kernel) {
        int n = Integer.highestOneBit(Math.max(1, 8 * kernel.topology().nrCpus() - 1)) << 1;
        mutexes = new Mutex[n];
        for (int i = 0; i < n; i++) {
            // hugetlb_init(): mutex_init() in a loop, one lock_class_key for the whole table
            mutexes[i] = kernel.mutex("hugetlb_fault_mutex:" + i, "hugetlb_fault_mutex");
        }
    }

    /** {@code num_fault_mutexes}. */
    int size() {
        return mutexes.length;
    }

    /** {@code hugetlb_fault_mutex_table[hugetlb_fault_mutex_hash(mapping, idx)]}. */
    Mutex mutexFor(long mapping, long idx) {
        return mutexes[hash(mapping, idx, mutexes.length)];
    }

    /**
     * {@code hugetlb_fault_mutex_hash()} (5.14, CONFIG_SMP): {@code jhash2} of the two longs
     * {@code {mapping, idx}} read as four little-endian u32 words with initval 0, masked to the
     * table size. {@code mapping} stands for the {@code address_space} pointer.
     */
    static int hash(long mapping, long idx, int tableSize) {
        return jhash2Of4((int) mapping, (int) (mapping >>> 32), (int) idx, (int) (idx >>> 32)) & (tableSize - 1);
    }

    /**
     * include/linux/jhash.h {@code jhash2()} of exactly four words with initval 0, unrolled: one
     * {@code __jhash_mix} over the first three, then {@code __jhash_final} with the fourth. Every
     * hugetlb fault hashes, and the array the general form takes would be an allocation per fault
     * (HugetlbFaultMutexTableTest checks this form against the general one).
     */
    static int jhash2Of4(int k0, int k1, int k2, int k3) {
        int a = JHASH_INITVAL + (4 << 2);
        int b = a;
        int c = a;
        a += k0;
        b += k1;
        c += k2;
        a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
        a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        a += k3;
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
