package org.kemu.lab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The JSON summary of one lock-wait histogram (count, min, mean, p50/p90/p99/p99.9, max and the counts
 * per power-of-two bucket from 1 us) computed in one walk over its recorded values.
 *
 * <p>HdrHistogram's own calls give the same numbers, but each walks the counts array again: getMean
 * with a recorded-values iterator, each getValueAtPercentile from index 0, and the logarithmic bucket
 * iterator once more. A 980 GiB hugetlb run has about 1,400 fault-mutex histograms, and those walks
 * were about 6% of the process's samples. This walk visits each non-empty equivalence range once
 * (the recorded-values iterator: stepping value by value through the empty ranges up to a 100 ms
 * wait cost 3% of a 16-thread 980 GiB run) and reproduces the library's definitions exactly
 * (HistogramSummaryTest compares the two on seeded random histograms):
 * <ul>
 * <li>mean: the sum, in index order, of each non-empty range's median equivalent value times its
 *     count, as doubles, divided by the total count (AbstractHistogram.getMean);
 * <li>percentile p: the highest equivalent value of the first range at which the running count
 *     reaches max(1, ceil(p' x total / 100)), p' being p moved one ulp towards 0 and clamped to
 *     [0, 100] (AbstractHistogram.getValueAtPercentile);
 * <li>bucket k, reported as H_k = 1000 x 2^k - 1: the ranges whose lowest value v satisfies
 *     lowest(H_(k-1)) < v <= lowest(H_k) (HdrHistogram 2.2.2's LogarithmicIterator: a step is
 *     reached at the first range whose value reaches the lowest equivalent of the step's highest
 *     value, counting that range in).
 * </ul>
 */
final class HistogramSummary {
    static final double[] PERCENTILES = {50, 90, 99, 99.9};
    /** The logarithmic buckets: the first ends at 1000 ns, each next one at twice the last. */
    static final long FIRST_BUCKET_NS = 1000;
    static final double BUCKET_BASE = 2.0;

    private HistogramSummary() {
    }

    static Map<String, Object> of(Histogram h) {
        long total = h.getTotalCount();
        int np = PERCENTILES.length;
        long[] atCount = new long[np];
        long[] pValue = new long[np];
        for (int i = 0; i < np; i++) {
            double p = Math.min(Math.max(Math.nextAfter(PERCENTILES[i], Double.NEGATIVE_INFINITY), 0.0), 100.0);
            atCount[i] = Math.max(1, (long) Math.ceil(p * total / 100.0));
        }
        List<Map<String, Long>> buckets = new ArrayList<>();
        double level = FIRST_BUCKET_NS;
        long levelLowest = h.lowestEquivalentValue((long) level - 1);
        long inBucket = 0;
        double sum = 0;
        long seen = 0;
        int nextP = 0;
        for (HistogramIterationValue iv : h.recordedValues()) {
            // the non-empty ranges in order; v is the range's lowest value, as the definitions use
            long c = iv.getCountAtValueIteratedTo();
            long v = h.lowestEquivalentValue(iv.getValueIteratedTo());
            // close the levels this range lies above (v > lowest(L_k)); only non-empty ones are shown
            while (v > levelLowest) {
                if (inBucket > 0) {
                    buckets.add(bucket(level, inBucket));
                    inBucket = 0;
                }
                level *= BUCKET_BASE;
                levelLowest = h.lowestEquivalentValue((long) level - 1);
            }
            inBucket += c;
            sum += h.medianEquivalentValue(v) * (double) c;
            seen += c;
            while (nextP < np && seen >= atCount[nextP]) {
                pValue[nextP++] = h.highestEquivalentValue(v);
            }
        }
        if (inBucket > 0) {
            buckets.add(bucket(level, inBucket));
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("count", total);
        s.put("min", h.getMinValue());
        s.put("mean", Math.round(total == 0 ? 0.0 : sum / total));
        for (int i = 0; i < np; i++) {
            double p = PERCENTILES[i];
            s.put("p" + (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)), total == 0 ? 0L : pValue[i]);
        }
        s.put("max", h.getMaxValue());
        s.put("buckets", buckets);
        return s;
    }

    private static Map<String, Long> bucket(double level, long count) {
        // a LinkedHashMap, not Map.of: Map.of's iteration order changes from one JVM to the next
        Map<String, Long> b = new LinkedHashMap<>();
        b.put("le_ns", (long) level - 1);
        b.put("count", count);
        return b;
    }
}
