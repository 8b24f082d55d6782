package org.kemu.lab.profile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.QemuCosts;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.MmCosts;
import org.kemu.padatacore.PadataCosts;
import org.kemu.schedfair.CpuIdleDriver;
import org.kemu.schedfair.CpuIdleState;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Topology;
import org.kemu.vfiotype1.IommuCosts;

/**
 * Reads and writes machine profiles as JSON: {@code {"name", "description", "<group>": {"<param>":
 * {"value", "unit", "source"}}}}. Groups map one-to-one onto the cost records; a parameter is a
 * record component, so adding one to a record adds it to the format. Every parameter must be present
 * when reading: a profile that leaves one out is rejected rather than silently defaulted.
 */
public final class ProfileCodec {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final long[] PTE_SIZES = {4096L, 2L << 20, 1L << 30};
    private static final String[] PTE_NAMES = {"4K", "2M", "1G"};
    private static final String EXIT_LATENCY = "ExitLatencyNs";
    private static final String TARGET_RESIDENCY = "TargetResidencyNs";
    /** The exit latency while the package stays in PC0 ({@link CpuIdleState#pc0ExitLatencyNs}). */
    private static final String PC0_EXIT_LATENCY = "ExitLatencyPc0Ns";

    private ProfileCodec() {
    }

    /** A malformed profile: the message names the offending field. */
    public static final class ProfileException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ProfileException(String message) {
            super(message);
        }
    }

    public static String write(MachineProfile p) {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", p.name());
        root.put("description", p.description());
        root.put("cpuidleDriver", p.idle().name());
        root.put("iommuDriver", p.iommuDriver());
        for (Map.Entry<String, Map<String, Double>> g : groups(p).entrySet()) {
            ObjectNode group = root.putObject(g.getKey());
            for (Map.Entry<String, Double> e : g.getValue().entrySet()) {
                ObjectNode v = group.putObject(e.getKey());
                double d = e.getValue();
                if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                    v.put("value", (long) d);
                } else {
                    v.put("value", d);
                }
                v.put("unit", unitOf(e.getKey()));
                v.put("source", p.sourceOf(g.getKey() + "." + e.getKey()));
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static MachineProfile read(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ProfileException("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ProfileException("a profile is a JSON object");
        }
        Map<String, String> sources = new TreeMap<>();
        Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> g = it.next();
            if (!g.getValue().isObject()) {
                continue;
            }
            Map<String, Double> params = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> pi = g.getValue().fields(); pi.hasNext();) {
                Map.Entry<String, JsonNode> e = pi.next();
                JsonNode v = e.getValue().get("value");
                if (v == null || !v.isNumber()) {
                    throw new ProfileException(g.getKey() + "." + e.getKey() + ": needs a numeric \"value\"");
                }
                params.put(e.getKey(), v.asDouble());
                JsonNode src = e.getValue().get("source");
                sources.put(g.getKey() + "." + e.getKey(), src == null ? "unspecified" : src.asText());
            }
            values.put(g.getKey(), params);
        }
        String name = text(root, "name");
        try {
            return new MachineProfile(name, root.has("description") ? root.get("description").asText() : "",
                    build(Topology.class, values, "topology"), build(MemoryBandwidth.class, values, "bandwidth"),
                    build(RuntimeCosts.class, values, "runtime"), build(MmCosts.class, values, "mm"),
                    build(GupCosts.class, values, "gup"), build(PadataCosts.class, values, "padata"),
                    iommu(values), build(Type1Costs.class, values, "vfio"), build(QemuCosts.class, values, "qemu"),
                    cpuidle(root, values), text(root, "iommuDriver"), sources);
        } catch (RuntimeException e) {
            if (e instanceof ProfileException) {
                throw e;
            }
            throw new ProfileException("profile '" + name + "': " + e.getMessage());
        }
    }

    /** Every parameter of the profile by group, in record order; keys are those of the JSON file. */
    public static Map<String, Map<String, Double>> groups(MachineProfile p) {
        Map<String, Map<String, Double>> g = new LinkedHashMap<>();
        g.put("topology", components(p.topology()));
        g.put("bandwidth", components(p.bandwidth()));
        g.put("runtime", components(p.runtime()));
        g.put("mm", components(p.mm()));
        g.put("gup", components(p.gup()));
        g.put("padata", components(p.padata()));
        Map<String, Double> io = new LinkedHashMap<>();
        io.put("mapCallNs", (double) p.iommu().mapCallNs());
        io.put("unmapCallNs", (double) p.iommu().unmapCallNs());
        for (int i = 0; i < PTE_SIZES.length; i++) {
            io.put("mapPte" + PTE_NAMES[i] + "Ns", (double) p.iommu().mapPte(PTE_SIZES[i]));
        }
        for (int i = 0; i < PTE_SIZES.length; i++) {
            io.put("unmapPte" + PTE_NAMES[i] + "Ns", (double) p.iommu().unmapPte(PTE_SIZES[i]));
        }
        io.put("iotlbSyncMapNs", (double) p.iommu().iotlbSyncMapNs());
        io.put("iotlbFlushNs", (double) p.iommu().iotlbFlushNs());
        g.put("iommu", io);
        g.put("vfio", components(p.vfio()));
        g.put("qemu", components(p.qemu()));
        Map<String, Double> idle = new LinkedHashMap<>();
        for (CpuIdleState st : p.idle().states().subList(1, p.idle().count())) {
            idle.put(st.name() + EXIT_LATENCY, (double) st.exitLatencyNs());
            idle.put(st.name() + TARGET_RESIDENCY, (double) st.targetResidencyNs());
            if (st.pc0ExitLatencyNs() != st.exitLatencyNs()) {
                idle.put(st.name() + PC0_EXIT_LATENCY, (double) st.pc0ExitLatencyNs());
            }
        }
        g.put("cpuidle", idle);
        return g;
    }

    public static String unitOf(String param) {
        if (param.endsWith("Ns")) {
            return "ns";
        }
        if (param.endsWith("BytesPerSec")) {
            return "bytes/s";
        }
        if (param.endsWith("Bytes")) {
            return "bytes";
        }
        return "count";
    }

    private static Map<String, Double> components(Record r) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                Object v = c.getAccessor().invoke(r);
                m.put(c.getName(), ((Number) v).doubleValue());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }

    private static <R extends Record> R build(Class<R> type, Map<String, Map<String, Double>> values, String group) {
        Map<String, Double> params = values.get(group);
        if (params == null) {
            throw new ProfileException("missing group \"" + group + "\"");
        }
        RecordComponent[] comps = type.getRecordComponents();
        Object[] args = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            Double v = params.get(comps[i].getName());
            if (v == null) {
                throw new ProfileException("missing parameter " + group + "." + comps[i].getName());
            }
            types[i] = comps[i].getType();
            args[i] = types[i] == long.class ? (Object) Math.round(v) : types[i] == int.class
                    ? (Object) (int) Math.round(v) : (Object) v;
        }
        List<String> unknown = new ArrayList<>(params.keySet());
        for (RecordComponent c : comps) {
            unknown.remove(c.getName());
        }
        if (!unknown.isEmpty()) {
            throw new ProfileException("unknown parameter " + group + "." + unknown.get(0));
        }
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new ProfileException(group + ": " + e.getCause().getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static IommuCosts iommu(Map<String, Map<String, Double>> values) {
        Map<String, Double> p = values.get("iommu");
        if (p == null) {
            throw new ProfileException("missing group \"iommu\"");
        }
        TreeMap<Long, Long> map = new TreeMap<>();
        TreeMap<Long, Long> unmap = new TreeMap<>();
        for (int i = 0; i < PTE_SIZES.length; i++) {
            map.put(PTE_SIZES[i], req(p, "mapPte" + PTE_NAMES[i] + "Ns"));
            unmap.put(PTE_SIZES[i], req(p, "unmapPte" + PTE_NAMES[i] + "Ns"));
        }
        try {
            return new IommuCosts(req(p, "mapCallNs"), req(p, "unmapCallNs"), map, unmap, map.get(4096L),
                    req(p, "iotlbSyncMapNs"), req(p, "iotlbFlushNs"));
        } catch (IllegalArgumentException e) {
            throw new ProfileException("iommu: " + e.getMessage());
        }
    }

    /**
     * The cpuidle driver: {@code "cpuidleDriver"} names it and group {@code cpuidle} lists each state
     * after poll_idle (state 0, implied) as {@code <name>ExitLatencyNs} and
     * {@code <name>TargetResidencyNs}, shallowest first, and optionally
     * {@code <name>ExitLatencyPc0Ns}, the exit while the package stays awake (default: the
     * declared exit latency).
     */
    private static CpuIdleDriver cpuidle(JsonNode root, Map<String, Map<String, Double>> values) {
        Map<String, Double> p = values.get("cpuidle");
        if (p == null) {
            throw new ProfileException("missing group \"cpuidle\"");
        }
        List<CpuIdleState> states = new ArrayList<>();
        states.add(CpuIdleState.POLL);
        for (String k : p.keySet()) {
            if (k.endsWith(EXIT_LATENCY)) {
                String n = k.substring(0, k.length() - EXIT_LATENCY.length());
                Double res = p.get(n + TARGET_RESIDENCY);
                if (res == null) {
                    throw new ProfileException("missing parameter cpuidle." + n + TARGET_RESIDENCY);
                }
                long exit = Math.round(p.get(k));
                Double pc0 = p.get(n + PC0_EXIT_LATENCY);
                try {
                    states.add(new CpuIdleState(n, exit, Math.round(res), false, pc0 == null ? exit : Math.round(pc0)));
                } catch (RuntimeException e) {
                    throw new ProfileException("cpuidle: " + e.getMessage());
                }
            } else if (k.endsWith(PC0_EXIT_LATENCY)) {
                if (!p.containsKey(k.substring(0, k.length() - PC0_EXIT_LATENCY.length()) + EXIT_LATENCY)) {
                    throw new ProfileException("unknown parameter cpuidle." + k);
                }
            } else if (!k.endsWith(TARGET_RESIDENCY) || !p.containsKey(
                    k.substring(0, k.length() - TARGET_RESIDENCY.length()) + EXIT_LATENCY)) {
                throw new ProfileException("unknown parameter cpuidle." + k);
            }
        }
        try {
            return new CpuIdleDriver(text(root, "cpuidleDriver"), states);
        } catch (RuntimeException e) {
            if (e instanceof ProfileException) {
                throw e;
            }
            throw new ProfileException("cpuidle: " + e.getMessage());
        }
    }

    private static long req(Map<String, Double> p, String k) {
        Double v = p.get(k);
        if (v == null) {
            throw new ProfileException("missing parameter iommu." + k);
        }
        return Math.round(v);
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual()) {
            throw new ProfileException("missing \"" + field + "\"");
        }
        return n.asText();
    }
}
