package org.kemu.lab.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The one-walk summary against HdrHistogram's own getMean, getValueAtPercentile and logarithmic
 * bucket iterator (what RunMetrics called before): equal maps, bucket for bucket.
 */
class HistogramSummaryTest {

    /** The summary as built from the library's calls, each walking the histogram again. */
    private static Map<String, Object> reference(Histogram h) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("count", h.getTotalCount());
        s.put("min", h.getMinValue());
        s.put("mean", Math.round(h.getMean()));
        for (double p : HistogramSummary.PERCENTILES) {
            s.put("p" + (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)), h.getValueAtPercentile(p));
        }
        s.put("max", h.getMaxValue());
        List<Map<String, Long>> buckets = new ArrayList<>();
        h.logarithmicBucketValues(HistogramSummary.FIRST_BUCKET_NS, HistogramSummary.BUCKET_BASE).forEach(v -> {
            if (v.getCountAddedInThisIterationStep() > 0) {
                Map<String, Long> b = new LinkedHashMap<>();
                b.put("le_ns", v.getValueIteratedTo());
                b.put("count", v.getCountAddedInThisIterationStep());
                buckets.add(b);
            }
        });
        s.put("buckets", buckets);
        return s;
    }

    private static Histogram histogram() {
        Histogram h = new Histogram(3);
        h.setAutoResize(true);
        return h;
    }

    @Test
    void matchesTheLibraryOnSeededRandomHistograms() {
        SplittableRandom r = new SplittableRandom(15);
        for (int n = 0; n < 400; n++) {
            Histogram h = histogram();
            int values = 1 + r.nextInt(n % 10 == 0 ? 5_000 : 60);
            // wait times from 0 to 10^(3..10) ns, log-spread as lock waits are, with repeats
            double decades = 3 + r.nextInt(8);
            for (int i = 0; i < values; i++) {
                long v = r.nextInt(8) == 0 ? r.nextLong(3) : (long) Math.pow(10, r.nextDouble() * decades);
                h.recordValueWithCount(v, 1 + (r.nextInt(4) == 0 ? r.nextInt(50) : 0));
            }
            assertThat(HistogramSummary.of(h)).as("histogram %d", n).isEqualTo(reference(h));
        }
    }

    @Test
    void matchesTheLibraryOnBucketEdges() {
        // values at and around the bucket levels 1000 x 2^k and the sub-bucket edge 2048
        long[] edges = {0, 1, 999, 1000, 1001, 1999, 2000, 2001, 2047, 2048, 2049, 4000, 4001, 4002, 4003,
            8000, 8008, 8015, 8016, 1_024_000, 1_024_511, 1_024_512, 1L << 40};
        for (long e : edges) {
            Histogram h = histogram();
            h.recordValue(e);
            assertThat(HistogramSummary.of(h)).as("single value %d", e).isEqualTo(reference(h));
        }
        Histogram all = histogram();
        for (long e : edges) {
            all.recordValueWithCount(e, 1 + e % 7);
        }
        assertThat(HistogramSummary.of(all)).isEqualTo(reference(all));
    }

    @Test
    void summarisesOneWait() {
        Histogram h = histogram();
        h.recordValue(1500);
        Map<String, Object> s = HistogramSummary.of(h);
        assertThat(s).containsEntry("count", 1L).containsEntry("min", 1500L).containsEntry("mean", 1500L)
                .containsEntry("p50", 1500L).containsEntry("p99.9", 1500L).containsEntry("max", 1500L);
        assertThat(s.get("buckets")).isEqualTo(List.of(Map.of("le_ns", 1999L, "count", 1L)));
    }
}
