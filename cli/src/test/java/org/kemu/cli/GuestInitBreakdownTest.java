package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The guest-init JSON's breakdown adds up: its parts are the counters of the whole init, split by
 * run size, by MAP_DMA call, by CPU and node (docs/results.md, kind guest-init).
 */
class GuestInitBreakdownTest {
    @Test
    void theBreakdownsPartsAddUpToTheirTotals() throws Exception {
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "6G", "--padata-threads", "4", "--no-baseline",
                "--qemu-machine", "q35", "--format", "json");
        assertThat(r.rc()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode b = j.get("breakdown");
        assertThat(j.get("run").get("configuration").get("qemu_machine").asText()).isEqualTo("q35");
        // q35 splits 6 GiB at 2 GiB (pc_q35_init): six calls, the last and largest 4 GiB above 4 GiB
        List<JsonNode> calls = new ArrayList<>();
        b.get("map_dma_calls").forEach(calls::add);
        assertThat(calls).extracting(c -> c.get("region").asText()).containsExactly("ram-below-4g", "pc.rom",
                "isa-bios", "ram-below-4g", "pc.bios", "ram-above-4g");
        JsonNode pin = calls.get(5);
        assertThat(pin.get("iova").asLong()).isEqualTo(1L << 32);
        assertThat(pin.get("size_bytes").asLong()).isEqualTo(4L << 30);
        assertThat(j.get("pin_seconds").asDouble()).isEqualTo(pin.get("seconds").asDouble());
        long runs = 0;
        long charges = 0;
        long maps = 0;
        for (JsonNode c : calls) {
            runs += c.get("contiguous_runs").asLong();
            charges += c.get("locked_vm_charges").asLong();
            maps += c.get("iommu_map_calls").asLong();
        }
        assertThat(runs).isEqualTo(b.get("contiguous_runs").asLong());
        assertThat(charges).isEqualTo(b.get("locked_vm").get("write_lock_charges").asLong())
                .isEqualTo(b.get("locked_vm_charges").asLong());
        assertThat(maps).isEqualTo(b.get("iommu").get("map_calls").asLong());
        long histogram = 0;
        for (JsonNode n : b.get("contiguous_runs_by_pages")) {
            histogram += n.asLong();
        }
        assertThat(histogram).isEqualTo(runs);
        double byCpu = 0;
        for (JsonNode n : b.get("cpu_seconds_by_cpu")) {
            byCpu += n.asDouble();
        }
        double byNode = b.get("cpu_seconds_by_node").get("0").asDouble() + b.get("cpu_seconds_by_node").get("1").asDouble();
        assertThat(byNode).isCloseTo(byCpu, within(1e-9));
        // the pin's 4 padata helpers and qemu itself ran: more than one CPU was busy
        assertThat(b.get("cpu_seconds_by_cpu").size()).isGreaterThan(1);
        assertThat(b.get("iommu").get("ptes_by_page_size").size()).isPositive();
        // every pinned page is in one (CPU node, memory node) cell
        long pinned = 0;
        for (JsonNode c : calls) {
            pinned += c.get("pages_pinned").asLong();
        }
        long byPair = 0;
        for (var it = b.get("pages_pinned_by_node").fields(); it.hasNext();) {
            var e = it.next();
            assertThat(e.getKey()).matches("[01]/[01]");
            byPair += e.getValue().asLong();
        }
        assertThat(byPair).isEqualTo(pinned);
    }

    /**
     * VT-d's {@code dmar_domain->max_addr} (5.14 {@code intel_iommu_map()}: read on every call, raised
     * by a map past it) moves between helpers that map 4 KiB runs at once; AMD-Vi keeps no such
     * field, and a lone mapper keeps the line to itself.
     */
    @Test
    void theMaxAddrLineMovesOnlyOnVtdWithMoreThanOneMapper() throws Exception {
        assertThat(maxAddrTransfers("intel-8167m", "4")).isPositive();
        assertThat(maxAddrTransfers("amd-7j13", "4")).isZero();
        assertThat(maxAddrTransfers("intel-8167m", "0")).isZero();
    }

    private static long maxAddrTransfers(String profile, String padataThreads) throws Exception {
        CapturedRun r = CapturedRun.of("guest-init", "--profile", profile, "--mem", "2G", "--backing", "thp",
                "--prealloc-threads", "4", "--padata-threads", padataThreads, "--no-baseline", "--format", "json");
        assertThat(r.rc()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out()).get("breakdown").get("iommu").get("max_addr_line_transfers")
                .asLong();
    }

    /**
     * Remote pins are visible: the boot hugetlb pool is split evenly over the two nodes, a fault takes
     * the faulting CPU's node first and then the next (dequeue_huge_page_nodemask's zonelist order),
     * and the 5.14 balancer keeps the four helpers on node 0 (find_idlest_group: allow_numa_imbalance
     * below a quarter of the node). So node 0's CPUs pin the first half from node 0 and the rest from
     * node 1, and no CPU of node 1 pins.
     */
    @Test
    void pinsFromTheOtherNodesPoolAreCountedAsRemote() throws Exception {
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "6G", "--padata-threads", "4", "--no-baseline",
                "--format", "json");
        assertThat(r.rc()).as(r.err()).isZero();
        JsonNode b = new ObjectMapper().readTree(r.out()).get("breakdown");
        assertThat(b.get("cpu_seconds_by_node").get("1").asDouble()).isZero();
        JsonNode byNode = b.get("pages_pinned_by_node");
        assertThat(byNode.has("1/0")).isFalse();
        assertThat(byNode.has("1/1")).isFalse();
        long local = byNode.get("0/0").asLong();
        long remote = byNode.get("0/1").asLong();
        assertThat(remote).isPositive();
        // the low RAM and ROM sections fault first, from node 0: node 0 gives a little more
        assertThat(local).isGreaterThanOrEqualTo(remote);
        assertThat((double) local / (local + remote)).isBetween(0.5, 0.51);
    }

    /**
     * qemu 6.2's prealloc of a THP guest (read then write each 4 KiB page) splits every huge zero PMD
     * once and COWs every 4 KiB page: each is one TLB flush of the CPU that faulted
     * (arch/x86/mm/tlb.c nr_tlb_local_flush_one); with four prealloc threads running the mm at once,
     * a flush shoots down at most the three others (nr_tlb_remote_flush, nr_tlb_remote_flush_received).
     * A hugetlb guest's faults install huge pages into empty entries: no flush.
     */
    @Test
    void theBreakdownCountsTheTlbFlushesOfThePrealloc() throws Exception {
        long mem = 2L << 30;
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "2G", "--backing", "thp", "--prealloc-threads", "4",
                "--padata-threads", "0", "--no-baseline", "--format", "json");
        assertThat(r.rc()).as(r.err()).isZero();
        JsonNode tlb = new ObjectMapper().readTree(r.out()).get("breakdown").get("tlb");
        long flushes = tlb.get("flushes").asLong();
        long remote = tlb.get("remote_flushes").asLong();
        long ipis = tlb.get("shootdown_ipis").asLong();
        assertThat(flushes).isEqualTo(mem / 4096 + mem / (2 << 20));
        assertThat(remote).isPositive().isLessThanOrEqualTo(flushes);
        assertThat(ipis).isGreaterThanOrEqualTo(remote).isLessThanOrEqualTo(3 * remote);

        CapturedRun h = CapturedRun.of("guest-init", "--mem", "2G", "--backing", "hugetlb", "--prealloc-threads", "4",
                "--padata-threads", "0", "--no-baseline", "--format", "json");
        assertThat(h.rc()).as(h.err()).isZero();
        JsonNode none = new ObjectMapper().readTree(h.out()).get("breakdown").get("tlb");
        assertThat(none.get("flushes").asLong()).isZero();
        assertThat(none.get("shootdown_ipis").asLong()).isZero();
    }
}
