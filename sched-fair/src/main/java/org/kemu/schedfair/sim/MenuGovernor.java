package org.kemu.schedfair.sim;

import org.kemu.schedfair.CpuIdleDriver;
import org.kemu.schedfair.CpuIdleState;

/**
 * The menu cpuidle governor of Linux 5.14 (drivers/cpuidle/governors/menu.c), one per CPU (its
 * {@code struct menu_device}): {@link #select} is menu_select, {@link #reflect} is menu_reflect and
 * the update it defers is menu_update. The expected idle time is the time to the next timer scaled
 * by a learned correction factor for its bucket, or the typical interval of the last eight idle
 * periods when they are regular; the deepest state whose target residency fits it and whose exit
 * latency the latency limit allows is chosen, and whether the tick is stopped follows from it.
 *
 * <p>Arithmetic is 5.14's, in 64-bit: {@code next_timer_ns * correction_factor} saturates where the
 * kernel's u64 would wrap (only reachable with no timer pending, which a real CPU always has).
 */
final class MenuGovernor {
    static final int BUCKETS = 12;
    static final int INTERVAL_SHIFT = 3;
    static final int INTERVALS = 1 << INTERVAL_SHIFT;
    static final long RESOLUTION = 1024;
    static final long DECAY = 8;
    /** MAX_INTERESTING: 50 ms. */
    static final long MAX_INTERESTING_NS = 50_000L * 1000;
    static final long UINT_MAX = 0xFFFF_FFFFL;
    static final long NSEC_PER_USEC = 1000;
    /** nr_iowait_cpu: no kemu task sleeps in io_schedule, so no CPU has I/O waiters. */
    static final long NR_IOWAITERS = 0;
    /**
     * cpuidle_governor_latency_req with no device resume-latency constraint: the global CPU latency
     * QoS limit, PM_QOS_CPU_LATENCY_DEFAULT_VALUE = 2000 s, in ns.
     */
    static final long DEFAULT_LATENCY_REQ_NS = 2000L * 1_000_000 * NSEC_PER_USEC;

    private final CpuIdleDriver drv;
    private final long tickNs;
    /** correction_factor[]: menu_enable_device starts each at RESOLUTION * DECAY (unity). */
    final long[] correctionFactor = new long[BUCKETS];
    /** intervals[] in us (unsigned int), oldest overwritten first. */
    final long[] intervals = new long[INTERVALS];
    private int intervalPtr;
    private int bucket;
    long nextTimerNs;
    private boolean needsUpdate;
    private boolean tickWakeup;
    private int lastStateIdx;
    private long lastResidencyNs;
    private boolean pollTimeLimit;

    MenuGovernor(CpuIdleDriver drv, long tickNs) {
        this.drv = drv;
        this.tickNs = tickNs;
        java.util.Arrays.fill(correctionFactor, RESOLUTION * DECAY);
    }

    /** What menu_select returned: the state and whether the tick may be stopped. */
    record Choice(int idx, boolean stopTick) {
    }

    /**
     * menu_select. {@code nextTimerNs} is tick_nohz_get_sleep_length's result (time to the next timer
     * if the tick were stopped), {@code deltaNextNs} its {@code delta_next} (time to the next clock
     * event: the tick while it runs), {@code tickStopped} tick_nohz_tick_stopped().
     */
    Choice select(long nextTimerNs, long deltaNextNs, boolean tickStopped, long latencyReq) {
        if (needsUpdate) {
            update();
            needsUpdate = false;
        }
        this.nextTimerNs = nextTimerNs;
        bucket = whichBucket(nextTimerNs, NR_IOWAITERS);
        int count = drv.count();
        if (count <= 1 || latencyReq == 0
                || nextTimerNs < drv.state(1).targetResidencyNs() || latencyReq < drv.state(1).exitLatencyNs()) {
            // state 0 will be used no matter what: keep the tick if it is the polling one
            lastStateIdx = 0;
            return new Choice(0, !drv.state(0).polling());
        }
        // round up the result for half microseconds
        long predictedUs = Math.min(UINT_MAX, Long.divideUnsigned(
                satAdd(satMul(nextTimerNs, correctionFactor[bucket]), RESOLUTION * DECAY * NSEC_PER_USEC / 2),
                RESOLUTION * DECAY * NSEC_PER_USEC));
        long predictedNs = Math.min(predictedUs, typicalInterval(predictedUs)) * NSEC_PER_USEC;
        if (tickStopped) {
            // with the tick stopped a short misprediction may leave the CPU shallow for long
            if (predictedNs < tickNs) {
                predictedNs = nextTimerNs;
            }
        } else {
            // performance_multiplier(nr_iowaiters) = 1 + 10 * nr_iowaiters; kemu's waits are not I/O
            long interactivityReq = predictedNs / (1 + 10 * NR_IOWAITERS);
            latencyReq = Math.min(latencyReq, interactivityReq);
        }
        int idx = -1;
        for (int i = 0; i < count; i++) {
            CpuIdleState s = drv.state(i);
            if (idx == -1) {
                idx = i;
            }
            if (s.targetResidencyNs() > predictedNs) {
                // a physical state rather than polling, unless a timer will trigger soon enough
                if (drv.state(idx).polling() && s.exitLatencyNs() <= latencyReq
                        && s.targetResidencyNs() <= nextTimerNs) {
                    predictedNs = s.targetResidencyNs();
                    idx = i;
                    break;
                }
                if (predictedNs < tickNs) {
                    break;
                }
                if (!tickStopped) {
                    // the state so far is shallow: keep the tick and let the governor run again
                    predictedNs = drv.state(idx).targetResidencyNs();
                    break;
                }
                // shallow so far and this state fits the time to the closest timer: take it
                if (drv.state(idx).targetResidencyNs() < tickNs && s.targetResidencyNs() <= deltaNextNs) {
                    idx = i;
                }
                lastStateIdx = idx;
                return new Choice(idx, true);
            }
            if (s.exitLatencyNs() > latencyReq) {
                break;
            }
            idx = i;
        }
        if (idx == -1) {
            idx = 0;
        }
        boolean stopTick = true;
        // keep the tick for a polling state or an expected idle time shorter than a tick
        if ((drv.state(idx).polling() || predictedNs < tickNs) && !tickStopped) {
            stopTick = false;
            if (idx > 0 && drv.state(idx).targetResidencyNs() > deltaNextNs) {
                // the tick stays and will end the idle period before this state pays off
                for (int i = idx - 1; i >= 0; i--) {
                    idx = i;
                    if (drv.state(i).targetResidencyNs() <= deltaNextNs) {
                        break;
                    }
                }
            }
        }
        lastStateIdx = idx;
        return new Choice(idx, stopTick);
    }

    /**
     * menu_reflect (via cpuidle_reflect after cpuidle_enter_state): records how the idle period in
     * {@code idx} ended; menu_update runs at the next select. {@code residencyNs} is
     * last_residency_ns, entry to return, the exit latency included.
     */
    void reflect(int idx, long residencyNs, boolean byTick, boolean byPollLimit) {
        lastStateIdx = idx;
        lastResidencyNs = residencyNs;
        tickWakeup = byTick;
        pollTimeLimit = byPollLimit;
        needsUpdate = true;
    }

    /** menu_update: learn the correction factor and the interval from the last idle period. */
    private void update() {
        CpuIdleState target = drv.state(lastStateIdx);
        long measuredNs;
        if (tickWakeup && nextTimerNs > tickNs) {
            // the tick woke the CPU well before the next timer: the nohz code will stop it next time,
            // so take a long interval rather than the tick period
            measuredNs = 9 * MAX_INTERESTING_NS / 10;
        } else if (target.polling() && pollTimeLimit) {
            // poll_idle ran out of time: the CPU would have idled at least until the next timer
            measuredNs = nextTimerNs;
        } else {
            measuredNs = lastResidencyNs;
            if (measuredNs > 2 * target.exitLatencyNs()) {
                measuredNs -= target.exitLatencyNs();
            } else {
                measuredNs /= 2;
            }
        }
        // coefficients must not exceed unity
        if (Long.compareUnsigned(measuredNs, nextTimerNs) > 0) {
            measuredNs = nextTimerNs;
        }
        long f = correctionFactor[bucket];
        f -= f / DECAY;
        if (nextTimerNs > 0 && measuredNs < MAX_INTERESTING_NS) {
            f += RESOLUTION * measuredNs / nextTimerNs;
        } else {
            f += RESOLUTION;
        }
        correctionFactor[bucket] = f;
        intervals[intervalPtr++] = Math.min(UINT_MAX, measuredNs / NSEC_PER_USEC);
        if (intervalPtr >= INTERVALS) {
            intervalPtr = 0;
        }
    }

    /**
     * get_typical_interval: the average of the last intervals if their spread is small (stddev at
     * most 20 us, or average above 6 stddev with at least 3/4 of the samples), dropping the largest
     * outlier and trying again down to 3/4 of the samples; UINT_MAX when there is none.
     */
    long typicalInterval(long predictedUs) {
        long thresh = Integer.MAX_VALUE;
        while (true) {
            long min = UINT_MAX;
            long max = 0;
            long sum = 0;
            int divisor = 0;
            for (long v : intervals) {
                if (v <= thresh) {
                    sum += v;
                    divisor++;
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
            // the result would be discarded anyway
            if (min >= predictedUs) {
                return UINT_MAX;
            }
            long avg = divisor == INTERVALS ? sum >> INTERVAL_SHIFT : sum / divisor;
            long variance = 0;
            for (long v : intervals) {
                if (v <= thresh) {
                    long diff = v - avg;
                    variance += diff * diff;
                }
            }
            variance = divisor == INTERVALS ? variance >>> INTERVAL_SHIFT : variance / divisor;
            if (Long.compareUnsigned(variance, Long.divideUnsigned(-1L, 36)) <= 0) {
                if ((Long.compareUnsigned(avg * avg, variance * 36) > 0 && divisor * 4 >= INTERVALS * 3)
                        || variance <= 400) {
                    return avg;
                }
            }
            if (divisor * 4 <= INTERVALS * 3) {
                return UINT_MAX;
            }
            thresh = max - 1;
        }
    }

    /** which_bucket: decades of the expected duration from 10 us, the upper half with I/O waiters. */
    static int whichBucket(long durationNs, long nrIowaiters) {
        int b = nrIowaiters > 0 ? BUCKETS / 2 : 0;
        long us = NSEC_PER_USEC;
        if (Long.compareUnsigned(durationNs, 10 * us) < 0) {
            return b;
        }
        if (Long.compareUnsigned(durationNs, 100 * us) < 0) {
            return b + 1;
        }
        if (Long.compareUnsigned(durationNs, 1000 * us) < 0) {
            return b + 2;
        }
        if (Long.compareUnsigned(durationNs, 10_000 * us) < 0) {
            return b + 3;
        }
        if (Long.compareUnsigned(durationNs, 100_000 * us) < 0) {
            return b + 4;
        }
        return b + 5;
    }

    private static long satMul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    private static long satAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }
}
