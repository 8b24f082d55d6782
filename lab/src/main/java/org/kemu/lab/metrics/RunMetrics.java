package org.kemu.lab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuStat;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TraceEvent;
import org.kemu.vfiotype1.IommuDomain;

/**
 * Per-run metrics for the JSON output: lock-wait histograms (from the trace stream's
 * {@link TraceEvent.LockWait}), per-task CPU time, {@code cpu.stat} of every cgroup and the IOMMU
 * mappings by page size. Feed it the run's events ({@link #accept}), then {@link #snapshot} after the run.
 */
public final class RunMetrics implements Consumer<TraceEvent> {
    /** Waits are recorded in ns with 3 significant digits; the range grows as needed. */
    private static final int SIGNIFICANT_DIGITS = 3;

    private final Map<String, Histogram> lockWaits = new TreeMap<>();

    @Override
    public void accept(TraceEvent e) {
        if (e instanceof TraceEvent.LockWait w) {
            lockWaits.computeIfAbsent(w.lock(), k -> {
                Histogram h = new Histogram(SIGNIFICANT_DIGITS);
                h.setAutoResize(true);
                return h;
            }).recordValue(Math.max(0, w.end() - w.start()));
        }
    }

    /** The metrics of the finished run on {@code kernel} whose IOMMU domains are {@code domains}. */
    public Map<String, Object> snapshot(Kernel kernel, List<IommuDomain> domains) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lock_wait_ns_histograms", histograms());
        m.put("task_cpu_ns", taskCpu(kernel));
        Map<String, Object> cg = new LinkedHashMap<>();
        cgroups(kernel.cpuController().root(), cg);
        m.put("cgroup_cpu_stat", cg);
        m.put("iommu", iommu(domains));
        return m;
    }

    private Map<String, Object> histograms() {
        Map<String, Object> out = new LinkedHashMap<>();
        lockWaits.forEach((lock, h) -> out.put(lock, HistogramSummary.of(h)));
        return out;
    }

    private static Map<String, Long> taskCpu(Kernel kernel) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Task t : kernel.tasks()) {
            out.put(t.name() + "/" + t.id(), t.sumExecRuntime());
        }
        return out;
    }

    private static void cgroups(CpuCgroup g, Map<String, Object> out) {
        CpuStat s = g.cpuStat();
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("usage_usec", s.usageUsec());
        m.put("user_usec", s.userUsec());
        m.put("system_usec", s.systemUsec());
        m.put("nr_periods", s.nrPeriods());
        m.put("nr_throttled", s.nrThrottled());
        m.put("throttled_usec", s.throttledUsec());
        m.put("nr_bursts", s.nrBursts());
        m.put("burst_usec", s.burstUsec());
        out.put(g.path(), m);
        for (CpuCgroup c : g.children()) {
            cgroups(c, out);
        }
    }

    private static List<Map<String, Object>> iommu(List<IommuDomain> domains) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (IommuDomain d : domains) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("domain", d.name());
            Map<String, Long> byPage = new LinkedHashMap<>();
            d.pteCounts().forEach((pgsize, n) -> byPage.put(pageSize(pgsize), n));
            m.put("mapped_ptes_by_page_size", byPage);
            m.put("mapped_bytes", d.mappedBytes());
            m.put("map_calls", d.stats().mapCalls());
            m.put("map_pages_calls", d.stats().mapPagesCalls());
            m.put("iotlb_syncs", d.stats().iotlbSyncs());
            out.add(m);
        }
        return out;
    }

    static String pageSize(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        return (bytes >> 10) + "K";
    }
}
