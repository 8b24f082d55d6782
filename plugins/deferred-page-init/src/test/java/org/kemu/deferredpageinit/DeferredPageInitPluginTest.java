package org.kemu.deferredpageinit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.pluginapi.PluginResult;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;

/** Deferred struct page init (docs/kernel/padata.md section 2.3, 2020 mainline caller). */
@ExtendWith(KemuExtension.class)
@KemuMachine(nodes = 2, coresPerNode = 4, threadsPerCore = 2, memoryPerNodeMiB = 4096)
class DeferredPageInitPluginTest {

    @Test
    void everyStructPageInitialisedExactlyOnce(PluginTestMachine m) {
        DeferredPageInit d = m.inTask(ctx -> {
            DeferredPageInit x = new DeferredPageInit(ctx, new DeferredInitCosts(10, 64, 100));
            x.pageAllocInitLate(0);
            return x;
        });
        PhysicalMemory pm = m.physicalMemory();
        for (int n = 0; n < 2; n++) {
            long total = 0;
            for (int s = 0; s < d.sections(n); s++) {
                assertThat(d.initialised(n, s)).as("node %d section %d", n, s)
                        .isEqualTo(DeferredPageInit.PAGES_PER_SECTION);
                total += d.initialised(n, s);
            }
            assertThat(total).isEqualTo(pm.nodePages(n));
        }
        m.assertInvariants();
    }

    @Test
    void maxThreadsIsTheNodesCpus(PluginTestMachine m) {
        // x86 deferred_page_init_max_threads(): cpumask_weight(cpumask_of_node(node))
        PluginResult r = m.run(new DeferredPageInitPlugin(), Map.of());
        assertThat(r.metrics()).containsEntry("threads.node0", 8L).containsEntry("threads.node1", 8L);
        // 4 GiB = 32 sections per node; chunk = roundup(32 sections / (8 * 4), section) = 1 section,
        // so all 8 threads of each node get work: 16 tasks, pgdatinit threads included
        assertThat(r.metrics().get("tasks.used").longValue()).isEqualTo(16L);
        assertThat(r.metrics()).containsEntry("struct-pages", 2L * (4096L << 8));
    }

    @Test
    void helpersStayOnTheirNode(PluginTestMachine m) {
        m.run(new DeferredPageInitPlugin(), Map.of());
        var topo = m.kernel().topology();
        m.kernel().tasks().stream().filter(t -> t.name().startsWith("padata") || t.name().startsWith("pgdatinit"))
                .forEach(t -> assertThat(t.affinity().weight()).as(t.name()).isEqualTo(8));
        long onNode1 = m.kernel().tasks().stream().filter(t -> t.name().startsWith("padata"))
                .filter(t -> t.affinity().equals(topo.cpusOfNode(1))).count();
        assertThat(onNode1).isEqualTo(7);
    }

    @Test
    void moreThreadsIsFaster(PluginTestMachine m) {
        // CPU bound (no struct page bytes): 8 threads per node do 32 sections several times faster
        PluginResult one = m.run(new DeferredPageInitPlugin(), Map.of("max-threads", "1", "struct-page-bytes", "0"));
        PluginResult all = m.fresh().run(new DeferredPageInitPlugin(), Map.of("struct-page-bytes", "0"));
        assertThat(all.virtualTimeNs() * 4).isLessThan(one.virtualTimeNs());
        // with the struct pages' bytes, 8 threads outrun the test machine's 10 GB/s node: less gain
        PluginResult bytes1 = m.fresh().run(new DeferredPageInitPlugin(), Map.of("max-threads", "1"));
        PluginResult bytes8 = m.fresh().run(new DeferredPageInitPlugin(), Map.of());
        double memBound = (double) bytes1.virtualTimeNs() / bytes8.virtualTimeNs();
        assertThat(memBound).isLessThan((double) one.virtualTimeNs() / all.virtualTimeNs()).isGreaterThan(1.2);
    }

    @Test
    void discoveredThroughServiceLoader() {
        assertThat(PluginRegistry.load(getClass().getClassLoader()).contains("deferred-page-init")).isTrue();
    }
}
