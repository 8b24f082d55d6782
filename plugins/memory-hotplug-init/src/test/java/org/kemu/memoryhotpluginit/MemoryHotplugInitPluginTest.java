package org.kemu.memoryhotpluginit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.deferredpageinit.DeferredInitCosts;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.mmgup.Zone;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.plugintestkit.FailNthOutcome;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/** online_pages -> move_pfn_range_to_zone -> memmap_init_range (mm/memory_hotplug.c, mm/page_alloc.c, v5.14). */
@ExtendWith(KemuExtension.class)
@KemuMachine(nodes = 2, coresPerNode = 4, threadsPerCore = 2, memoryPerNodeMiB = 1024)
class MemoryHotplugInitPluginTest {
    private static final long SECTION = HotAddedMemory.PAGES_PER_SECTION;

    @Test
    void everyStructPageInitialisedOnceAndTheRangeIsOnline(PluginTestMachine m) {
        PluginResult r = m.run(new MemoryHotplugInitPlugin(), Map.of("size", "2G", "node", "1"));
        // 16 sections of 32768 struct pages; online_pages_range frees 2 GiB / 4 MiB MAX_ORDER blocks
        assertThat(r.metrics()).containsEntry("struct-pages", 16 * SECTION).containsEntry("sections.online", 16L)
                .containsEntry("blocks.freed", 512L);
        // max_threads: the node's CPUs (cpumask_weight(cpumask_of_node(nid)), as deferred_page_init_max_threads)
        assertThat(r.metrics()).containsEntry("threads.max", 8L);
        assertThat(r.metrics().get("tasks.used").longValue()).isEqualTo(8L);
        m.assertInvariants();
    }

    @Test
    void helpersRunOnTheNodesCpus(PluginTestMachine m) {
        m.run(new MemoryHotplugInitPlugin(), Map.of("size", "1G", "node", "1"));
        var node1 = m.kernel().topology().cpusOfNode(1);
        List<String> seen = new ArrayList<>();
        m.kernel().tasks().stream().filter(t -> t.name().startsWith("padata") || t.name().startsWith("memhp_init"))
                .forEach(t -> {
                    seen.add(t.name());
                    assertThat(t.affinity()).as(t.name()).isEqualTo(node1);
                });
        assertThat(seen).hasSize(8);
    }

    @Test
    void misalignedOrAlreadyOnlineRangesAreEinval(PluginTestMachine m) {
        m.inTaskDo(ctx -> {
            HotAddedMemory mem = new HotAddedMemory(0, 64 * SECTION, 4);
            OnlinePages op = new OnlinePages(ctx, DeferredInitCosts.defaults());
            // online_pages: !IS_ALIGNED(pfn, pageblock_nr_pages) || !IS_ALIGNED(pfn + nr_pages, PAGES_PER_SECTION)
            assertThatThrownBy(() -> op.onlinePages(mem, 64 * SECTION + 1, SECTION - 1, Zone.MOVABLE, 0))
                    .isInstanceOfSatisfying(KernelException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.getMessage()).contains("online_pages:align");
                    });
            op.onlinePages(mem, 64 * SECTION, SECTION, Zone.MOVABLE, 0);
            assertThatThrownBy(() -> op.onlinePages(mem, 64 * SECTION, 2 * SECTION, Zone.MOVABLE, 0))
                    .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.getMessage())
                            .contains("online_pages:range"));
            // the failed calls changed nothing: section 1 is still uninitialised and offline
            assertThat(mem.initialised(0)).isEqualTo(SECTION);
            assertThat(mem.initialised(1)).isZero();
            assertThat(mem.online(1)).isFalse();
        });
    }

    /** Onlines a fresh 8-section range and keeps it for the checks after the run. */
    private static final class OnlineProbe implements KernelJobPlugin {
        HotAddedMemory mem;

        @Override
        public String name() {
            return "online-probe";
        }

        @Override
        public PluginResult run(PluginContext ctx, PluginParams params) {
            mem = new HotAddedMemory(1, 64 * SECTION, 8);
            new OnlinePages(ctx, DeferredInitCosts.defaults()).onlinePages(mem, 64 * SECTION, 8 * SECTION,
                    Zone.MOVABLE, 4);
            return PluginResult.of(ctx);
        }
    }

    @Test
    void failNthSweepUndoesOnAVetoAndOnlinesOtherwise(PluginTestMachine m) {
        // failed_addition: memory_notify(MEM_CANCEL_ONLINE), remove_pfn_range_from_zone. The MEM_GOING_ONLINE veto is
        // online_pages' one failure after its checks; padata's kthread_create points are on the node-bound kthread
        // that runs the job, which the test kit does not arm
        List<String> sites = new ArrayList<>();
        int n = 1;
        for (; n < 100; n++) {
            OnlineProbe probe = new OnlineProbe();
            PluginTestMachine mm = m.fresh();
            FailNthOutcome o = mm.runWithFailNth(probe, Map.of(), n);
            sites.addAll(o.sites());
            for (int s = 0; s < 8; s++) {
                if (o.failed()) {
                    assertThat(o.failure().errno()).as("n=%d", n).contains(Errno.ENOMEM);
                    assertThat(probe.mem.initialised(s)).as("n=%d section %d", n, s).isZero();
                    assertThat(probe.mem.zone(s)).isNull();
                    assertThat(probe.mem.online(s)).isFalse();
                } else {
                    assertThat(probe.mem.initialised(s)).as("n=%d section %d", n, s).isEqualTo(SECTION);
                    assertThat(probe.mem.online(s)).isTrue();
                }
            }
            if (o.failed()) {
                assertThat(probe.mem.zoneSpanStart()).isEqualTo(-1);
                assertThat(probe.mem.blocksFreed()).isZero();
            }
            mm.assertInvariants();
            if (!o.fired()) {
                break;
            }
        }
        assertThat(n).isEqualTo(2);
        assertThat(sites).contains("online_pages:memory_notify");
    }

    @Test
    void threadSweepIsMonotoneAndDeterministic(PluginTestMachine m) {
        long prev = 0;
        long first = 0;
        long eight = 0;
        for (int t : new int[] {1, 2, 4, 8, 16}) {
            Map<String, String> p = Map.of("size", "2G", "threads", String.valueOf(t));
            PluginResult r = m.fresh().run(new MemoryHotplugInitPlugin(), p);
            assertThat(m.fresh().run(new MemoryHotplugInitPlugin(), p)).as("%d threads, same seed", t).isEqualTo(r);
            if (t == 1) {
                first = r.virtualTimeNs();
            } else {
                assertThat(r.virtualTimeNs()).as("%d threads", t).isLessThanOrEqualTo(prev + prev / 20);
            }
            if (t == 8) {
                eight = r.virtualTimeNs();
            }
            prev = r.virtualTimeNs();
        }
        // struct pages stream 64 bytes each through the node at the test machine's 10 GB/s: memory-bound past a few
        // threads, still well under half the single-threaded time
        assertThat(eight * 2).isLessThan(first);
    }

    @Test
    void discoveredThroughServiceLoader() {
        assertThat(PluginRegistry.load(getClass().getClassLoader()).contains("memory-hotplug-init")).isTrue();
    }
}
