package org.kemu.hugetlbbootinit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.mmgup.MmConstants;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.pluginapi.PluginResult;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;

/** hugetlb boot allocation (docs/kernel/padata.md section 2.3: 2024 Gang Li series, 2025 thread rule). */
@ExtendWith(KemuExtension.class)
// boot-time hugetlb allocation is a mainline caller: mainline padata, whose helpers are numa-bound kworkers
@KemuMachine(nodes = 2, coresPerNode = 4, threadsPerCore = 2, memoryPerNodeMiB = 4096, padata = KemuMachine.Padata.MAINLINE)
class HugetlbBootInitPluginTest {

    @Test
    void plan2024IsNodesTimesTwo() {
        // max_threads = num_node_state(N_MEMORY) * 2, min_chunk = max_huge_pages / nodes / 2
        assertThat(HugetlbBootInit.plan2m(1000, 2, 16, ThreadRule.NODES_X_MULTIPLIER, 0))
                .isEqualTo(new HugetlbBootInit.Plan(1000, 4, 250));
    }

    @Test
    void plan2024MultiplierScalesThreadsAndMinChunk() {
        // the v5 cover letter's "max_threads = num_node_state(N_MEMORY) * multiplier" study: min_chunk
        // = pages / nodes / multiplier, else padata's nworks = size / min_chunk would stay at nodes x 2
        assertThat(HugetlbBootInit.plan2m(1000, 2, 16, ThreadRule.NODES_X_MULTIPLIER, 0, 5))
                .isEqualTo(new HugetlbBootInit.Plan(1000, 10, 100));
        assertThat(HugetlbBootInit.plan2m(1000, 2, 16, ThreadRule.NODES_X_MULTIPLIER, 0, 1))
                .isEqualTo(new HugetlbBootInit.Plan(1000, 2, 500));
    }

    @Test
    void multiplierRaisesTheTasksThatRun(PluginTestMachine m) {
        PluginResult r = m.run(new HugetlbBootInitPlugin(), Map.of("size", "2G", "multiplier", "3"));
        assertThat(r.metrics()).containsEntry("max-threads", 6L).containsEntry("pages.allocated", 1024L);
        assertThat(r.metrics().get("tasks.used").longValue()).isBetween(5L, 6L);
        m.assertInvariants();
    }

    @Test
    void serial2mIsOneTaskRoundRobinAndSlower(PluginTestMachine m) {
        // 5.14 hugetlb_hstate_alloc_pages(): for (i < max_huge_pages) alloc_pool_huge_page(h,
        // &node_states[N_MEMORY]) on the boot CPU, round-robin over the nodes
        PluginResult serial = m.run(new HugetlbBootInitPlugin(), Map.of("size", "2G", "mode", "serial"));
        assertThat(serial.metrics()).containsEntry("pages.allocated", 1024L).containsEntry("pages.node0", 512L)
                .containsEntry("pages.node1", 512L).containsEntry("tasks.used", 1L).containsEntry("max-threads", 1L);
        m.assertInvariants();
        PluginResult padata = m.fresh().run(new HugetlbBootInitPlugin(), Map.of("size", "2G"));
        assertThat(padata.virtualTimeNs()).isLessThan(serial.virtualTimeNs());
    }

    @Test
    void helpersOfOneNodeAllocateTogether(PluginTestMachine m) {
        // 6.9 hugetlb_pages_alloc_boot_node(): each helper allocates its own folios
        // (alloc_pool_huge_folio: zone->lock only around the free-list removal) and preps them, and
        // adds its batch under hugetlb_lock at the end, so four helpers per node take about a quarter
        // of one helper's time. With the prep left out (no tail struct pages to write) only the
        // allocation is timed: 0.25 of one helper's time. The bug, a per-node mutex around a chunk's
        // whole allocation, made the helpers of a node allocate one after the other: 0.75.
        PluginResult one = m.run(new HugetlbBootInitPlugin(), Map.of("size", "6G", "multiplier", "1", "prep-tail-ns", "0", "struct-page-bytes", "0"));
        PluginResult four = m.fresh().run(new HugetlbBootInitPlugin(), Map.of("size", "6G", "multiplier", "4", "prep-tail-ns", "0", "struct-page-bytes", "0"));
        assertThat(four.metrics()).containsEntry("max-threads", 8L).containsEntry("pages.allocated", 3072L);
        assertThat((double) four.virtualTimeNs() / one.virtualTimeNs()).isLessThan(0.3);
        m.assertInvariants();
    }

    @Test
    void serial1gGathersEveryNodeOnTheBootCpu(PluginTestMachine m) {
        // 5.14 gather_bootmem_prealloc(): list_for_each_entry(m, &huge_boot_pages) on one CPU
        PluginResult serial = m.run(new HugetlbBootInitPlugin(), Map.of("page-size", "1G", "size", "4G", "mode", "serial"));
        assertThat(serial.metrics()).containsEntry("pages.allocated", 4L).containsEntry("pages.node0", 2L)
                .containsEntry("pages.node1", 2L).containsEntry("tasks.used", 1L);
        m.assertInvariants();
        PluginResult padata = m.fresh().run(new HugetlbBootInitPlugin(), Map.of("page-size", "1G", "size", "4G"));
        assertThat(padata.virtualTimeNs()).isLessThan(serial.virtualTimeNs());
    }

    @Test
    void plan2025IsAQuarterOfHardwareThreads() {
        // 25% of hardware threads, min_chunk = max_huge_pages / threads; hugepage_alloc_threads= overrides
        assertThat(HugetlbBootInit.plan2m(1000, 2, 104, ThreadRule.QUARTER_HW, 0))
                .isEqualTo(new HugetlbBootInit.Plan(1000, 26, 38));
        assertThat(HugetlbBootInit.plan2m(1000, 2, 104, ThreadRule.QUARTER_HW, 10))
                .isEqualTo(new HugetlbBootInit.Plan(1000, 10, 100));
    }

    @Test
    void everyPageAllocatedOnceSpreadOverNodes(PluginTestMachine m) {
        PluginResult r = m.run(new HugetlbBootInitPlugin(), Map.of("size", "2G"));
        assertThat(r.metrics()).containsEntry("pages.allocated", 1024L).containsEntry("pages.node0", 512L)
                .containsEntry("pages.node1", 512L).containsEntry("max-threads", 4L);
        for (int n = 0; n < 2; n++) {
            assertThat(m.physicalMemory().freeHugepages(n, MmConstants.PMD_ORDER)).isEqualTo(512);
        }
        assertThat(r.metrics().get("tasks.used").longValue()).isBetween(2L, 4L);
        m.assertInvariants();
    }

    @Test
    void numaAwareHelpersAlternateNodes(PluginTestMachine m) {
        m.run(new HugetlbBootInitPlugin(), Map.of("size", "2G"));
        var topo = m.kernel().topology();
        long node0 = m.kernel().tasks().stream().filter(t -> t.name().startsWith("kworker"))
                .filter(t -> t.affinity().equals(topo.cpusOfNode(0))).count();
        long node1 = m.kernel().tasks().stream().filter(t -> t.name().startsWith("kworker"))
                .filter(t -> t.affinity().equals(topo.cpusOfNode(1))).count();
        assertThat(node0 + node1).isEqualTo(3);
        assertThat(node1).isGreaterThanOrEqualTo(1);
    }

    @Test
    void quarterRuleCapsThreads(PluginTestMachine m) {
        PluginResult r = m.run(new HugetlbBootInitPlugin(), Map.of("size", "2G", "thread-rule", "quarter-hw"));
        assertThat(r.metrics()).containsEntry("max-threads", 4L).containsEntry("pages.allocated", 1024L);
        PluginResult t = m.fresh().run(new HugetlbBootInitPlugin(),
                Map.of("size", "2G", "thread-rule", "quarter-hw", "threads", "2"));
        assertThat(t.metrics().get("tasks.used").longValue()).isLessThanOrEqualTo(2L);
    }

    @Test
    void gigantic1gOneUnitPerNode(PluginTestMachine m) {
        PluginResult r = m.run(new HugetlbBootInitPlugin(), Map.of("page-size", "1G", "size", "4G"));
        assertThat(r.metrics()).containsEntry("pages.allocated", 4L).containsEntry("pages.node0", 2L)
                .containsEntry("pages.node1", 2L).containsEntry("max-threads", 2L);
    }

    @Test
    void shortageIsReportedNotHidden(PluginTestMachine m) {
        // like the kernel, boot allocation silently stops short when memory runs out
        PluginResult r = m.run(new HugetlbBootInitPlugin(), Map.of("size", "16G"));
        assertThat(r.metrics().get("pages.allocated").longValue()).isLessThan(8192L).isPositive();
        m.assertInvariants();
    }

    @Test
    void discoveredThroughServiceLoader() {
        assertThat(PluginRegistry.load(getClass().getClassLoader()).contains("hugetlb-boot-init")).isTrue();
    }
}
