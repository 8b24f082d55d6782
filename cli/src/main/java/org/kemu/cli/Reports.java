package org.kemu.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.Approach;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Version;
import org.kemu.vfiotype1.IommuStats;
import org.kemu.vfiotype1.Type1Stats;

/**
 * Guest-init results as JSON, CSV rows and tables. CSV numbers are full precision in plain notation
 * ({@link Numbers#csv}); the CSV's times are virtual seconds. Only fields named {@code wall_*} vary between
 * equal runs, and they stay out of the CSV (they are in the JSON and the sweep's sidecar), so equal
 * sweeps - and merged shards of a sweep - give byte-identical CSV.
 */
final class Reports {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final List<String> CSV_COLUMNS = List.of("profile", "backing", "mem_gib", "prealloc_threads", "pin_mode",
            "threads", "lock_cache_pages", "seed", "pin_seconds", "init_seconds", "prealloc_seconds", "gup_seconds",
            "fault_clear_seconds", "accounting_seconds", "iommu_map_seconds", "lock_wait_seconds");

    private Reports() {
    }

    static Map<String, Object> configuration(MachineProfile p, LabConfig c, GuestSpec g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile", p.name());
        m.put("backing", g.backing().cliName());
        m.put("mem_bytes", g.memBytes());
        m.put("prealloc_threads", g.preallocThreads());
        m.put("qemu_machine", g.machine().cliName());
        m.put("pin_mode", Approach.of(c.pin(), g.mapDma()).cliName());
        m.put("threads", Approach.threads(c.pin(), g.mapDma()));
        m.put("lock_cache_pages", c.pin().lockCachePages());
        m.put("kernel_version", c.kernelVersion().release());
        m.put("pick_policy", c.pickPolicy().name());
        m.put("bandwidth_policy", c.bandwidthPolicy().name());
        m.put("seed", c.seed());
        return m;
    }

    static Map<String, Object> json(MachineProfile p, LabConfig c, GuestSpec g, GuestInitResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pin_seconds", r.pinSeconds());
        m.put("init_seconds", r.initSeconds());
        Type1Stats s = r.pin();
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("prealloc_seconds", r.preallocNs() / 1e9);
        b.put("qemu_other_seconds", r.otherNs() / 1e9);
        b.put("fault_clear_seconds", s.faultClearNs() / 1e9);
        b.put("gup_seconds", s.gupNs() / 1e9);
        b.put("accounting_seconds", s.lockAcctNs() / 1e9);
        b.put("iommu_map_seconds", s.iommuNs() / 1e9);
        b.put("lock_wait_seconds", r.totalLockWaitNs() / 1e9);
        Map<String, Object> waits = new LinkedHashMap<>();
        r.lockWaitNs().forEach((k, v) -> waits.put(k, v / 1e9));
        b.put("lock_wait_seconds_by_lock", waits);
        b.put("contiguous_runs", s.runs());
        b.put("locked_vm_charges", s.lockAcctCalls());
        // what a reader needs to see why a configuration is fast or slow (docs/results.md, "breakdown")
        Map<String, Object> runs = new LinkedHashMap<>();
        s.runsByPages().forEach((pages, n) -> runs.put(Long.toString(pages), n));
        b.put("contiguous_runs_by_pages", runs);
        Map<String, Object> locked = new LinkedHashMap<>();
        locked.put("write_lock_charges", s.lockAcctCalls());
        locked.put("charge_seconds", s.lockAcctNs() / 1e9);
        locked.put("cache_refills", s.lockCacheRefills());
        locked.put("cache_refill_failures", s.lockCacheRefillFailures());
        locked.put("atomic_charges", s.lockAcctAtomicCalls());
        locked.put("mmap_read_locks", s.mmapReadLocks());
        b.put("locked_vm", locked);
        Map<String, Object> iommu = new LinkedHashMap<>();
        iommu.put("map_calls", s.iommuMapCalls());
        Map<String, Object> ptes = new LinkedHashMap<>();
        s.ptesByPageSize().forEach((size, n) -> ptes.put(pageSize(size), n));
        iommu.put("ptes_by_page_size", ptes);
        iommu.put("iotlb_flushes", s.iotlbSyncs());
        iommu.put("max_addr_line_transfers", s.domains().stream().mapToLong(IommuStats::maxAddrTransfers).sum());
        b.put("iommu", iommu);
        Map<String, Object> tlb = new LinkedHashMap<>();
        tlb.put("flushes", r.tlb().flushes());
        tlb.put("remote_flushes", r.tlb().remoteFlushes());
        tlb.put("shootdown_ipis", r.tlb().shootdownIpis());
        b.put("tlb", tlb);
        Map<String, Object> byCpu = new LinkedHashMap<>();
        double[] byNode = new double[p.topology().nodes()];
        List<Long> busy = r.cpuBusyNs();
        for (int cpu = 0; cpu < busy.size(); cpu++) {
            if (busy.get(cpu) > 0) {
                byCpu.put(Integer.toString(cpu), busy.get(cpu) / 1e9);
                byNode[p.topology().nodeOf(cpu)] += busy.get(cpu) / 1e9;
            }
        }
        b.put("cpu_seconds_by_cpu", byCpu);
        Map<String, Object> nodes = new LinkedHashMap<>();
        for (int n = 0; n < byNode.length; n++) {
            nodes.put(Integer.toString(n), byNode[n]);
        }
        b.put("cpu_seconds_by_node", nodes);
        Map<String, Object> pinnedByNode = new LinkedHashMap<>();
        s.pagesByCpuAndMemoryNode().forEach((cpuNode, row) -> row.forEach(
                (memNode, pages) -> pinnedByNode.put(cpuNode + "/" + memNode, pages)));
        b.put("pages_pinned_by_node", pinnedByNode);
        List<Map<String, Object>> calls = new java.util.ArrayList<>();
        for (GuestInitResult.MapDmaCall call : r.mapDmaCalls()) {
            Map<String, Object> m1 = new LinkedHashMap<>();
            m1.put("region", call.region());
            m1.put("iova", call.iova());
            m1.put("size_bytes", call.size());
            m1.put("read_only", call.readOnly());
            m1.put("start_seconds", call.startNs() / 1e9);
            m1.put("seconds", call.ns() / 1e9);
            m1.put("contiguous_runs", call.runs());
            m1.put("pages_pinned", call.pagesPinned());
            m1.put("locked_vm_charges", call.lockedVmCharges());
            m1.put("iommu_map_calls", call.iommuMapCalls());
            m1.put("iotlb_flushes", call.iotlbSyncs());
            calls.add(m1);
        }
        b.put("map_dma_calls", calls);
        b.put("note", "pin-path times are summed over every pinning thread; the pin is the largest of map_dma_calls;"
                + " contiguous runs, locked_vm, iommu and lock waits cover every MAP_DMA of the init");
        m.put("breakdown", b);
        if (r.memcg() != null) {
            GuestInitResult.MemcgUsage u = r.memcg();
            Map<String, Object> cg = new LinkedHashMap<>();
            cg.put("max_pages", u.maxPages() == org.kemu.schedfair.MemCgroup.MAX ? "max" : u.maxPages());
            cg.put("current_pages", u.currentPages());
            cg.put("peak_pages", u.peakPages());
            cg.put("failcnt", u.failcnt());
            cg.put("pagetable_pages", u.pgtablePages());
            cg.put("pagetable_pages_charged", u.pgtablePagesCharged());
            m.put("memcg", cg);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("kemu_version", Version.get());
        meta.put("profile", p.name());
        meta.put("profile_description", p.description());
        meta.put("configuration", configuration(p, c, g));
        meta.put("seed", c.seed());
        meta.put("events", r.events());
        meta.put("event_hash", Long.toHexString(r.eventHash()));
        meta.put("invariant_violations", r.invariantViolations());
        meta.put("wall_seconds", r.wallNanos() / 1e9);
        meta.put("wall_pin_seconds", r.pinWallNanos() / 1e9);
        m.put("run", meta);
        return m;
    }

    /** An IOMMU page size as the profiles name it: 4K, 2M, 1G. */
    static String pageSize(long bytes) {
        return bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? (bytes >> 30) + "G"
                : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? (bytes >> 20) + "M" : (bytes >> 10) + "K";
    }

    static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many leading CSV columns name a cell (the rest are its results): what sweep --resume matches. */
    static final int CSV_KEY_COLUMNS = 8;

    /** The key columns of a cell's CSV row, known before it runs. */
    static List<String> csvKey(MachineProfile p, LabConfig c, GuestSpec g) {
        return List.of(p.name(), g.backing().cliName(), num(g.gib()), Integer.toString(g.preallocThreads()),
                Approach.of(c.pin(), g.mapDma()).cliName(), Integer.toString(Approach.threads(c.pin(), g.mapDma())),
                Long.toString(c.pin().lockCachePages()), Long.toString(c.seed()));
    }

    static List<String> csvRow(MachineProfile p, LabConfig c, GuestSpec g, GuestInitResult r) {
        Type1Stats s = r.pin();
        List<String> row = new java.util.ArrayList<>(csvKey(p, c, g));
        row.addAll(List.of(num(r.pinSeconds()),
                num(r.initSeconds()), num(r.preallocNs() / 1e9), num(s.gupNs() / 1e9), num(s.faultClearNs() / 1e9),
                num(s.lockAcctNs() / 1e9), num(s.iommuNs() / 1e9), num(r.totalLockWaitNs() / 1e9)));
        return row;
    }

    /** A CSV number: full precision, plain notation ({@link Numbers#csv}). */
    private static String num(double d) {
        return Numbers.csv(d);
    }

    private static final ObjectWriter CSV_ROW = new CsvMapper().writerFor(List.class).with(CsvSchema.emptySchema());

    /** One CSV line (RFC 4180 quoting by Jackson's CSV writer), without the line end. */
    static String csv(List<String> row) {
        try {
            return CSV_ROW.writeValueAsString(row).stripTrailing();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A left-aligned text table. */
    static String table(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        StringBuilder dash = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            dash.append("-".repeat(w[i])).append(i + 1 < w.length ? "  " : "");
        }
        sb.append(dash).append('\n');
        for (List<String> r : rows) {
            line(sb, r, w);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w) {
        for (int i = 0; i < w.length; i++) {
            String c = cells.get(i);
            sb.append(c);
            if (i + 1 < w.length) {
                sb.append(" ".repeat(w[i] - c.length() + 2));
            }
        }
        sb.append('\n');
    }
}
