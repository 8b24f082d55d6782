package org.kemu.schedfair;

/**
 * Nice values and the kernel's nice-to-weight table, {@code sched_prio_to_weight[]} and
 * {@code sched_prio_to_wmult[]} of kernel/sched/core.c (docs/kernel/sched-fair.md section 2.1).
 */
public final class Nice {
    public static final int MIN_NICE = -20;
    public static final int MAX_NICE = 19;
    /** NICE_0_LOAD in user-visible units. */
    public static final long NICE_0_LOAD = 1024;
    /** SCHED_IDLE weight, WEIGHT_IDLEPRIO. */
    public static final long WEIGHT_IDLEPRIO = 3;

    private static final long[] PRIO_TO_WEIGHT = {
        /* -20 */ 88761, 71755, 56483, 46273, 36291,
        /* -15 */ 29154, 23254, 18705, 14949, 11916,
        /* -10 */ 9548, 7620, 6100, 4904, 3906,
        /*  -5 */ 3121, 2501, 1991, 1586, 1277,
        /*   0 */ 1024, 820, 655, 526, 423,
        /*   5 */ 335, 272, 215, 172, 137,
        /*  10 */ 110, 87, 70, 56, 45,
        /*  15 */ 36, 29, 23, 18, 15,
    };

    private Nice() {
    }

    /** Throws EINVAL unless {@code nice} is in -20..19. */
    public static void check(int nice) {
        KernelException.require(nice >= MIN_NICE && nice <= MAX_NICE, Errno.EINVAL, "nice",
                "nice " + nice + " outside " + MIN_NICE + ".." + MAX_NICE);
    }

    /** The load weight of a task at {@code nice}. */
    public static long weight(int nice) {
        check(nice);
        return PRIO_TO_WEIGHT[nice - MIN_NICE];
    }

    /** The weight of a task of {@code policy} at {@code nice}: SCHED_IDLE ignores nice. */
    public static long weight(SchedPolicy policy, int nice) {
        return policy == SchedPolicy.IDLE ? WEIGHT_IDLEPRIO : weight(nice);
    }

    /** The nice whose weight is closest to {@code weight} (ties to the higher priority). */
    public static int closestNice(long weight) {
        int best = 0;
        long bestDiff = Long.MAX_VALUE;
        for (int n = MIN_NICE; n <= MAX_NICE; n++) {
            long d = Math.abs(PRIO_TO_WEIGHT[n - MIN_NICE] - weight);
            if (d < bestDiff) {
                bestDiff = d;
                best = n;
            }
        }
        return best;
    }
}
