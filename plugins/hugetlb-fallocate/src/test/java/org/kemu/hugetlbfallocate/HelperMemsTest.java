package org.kemu.hugetlbfallocate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.pluginapi.PluginResult;
import org.kemu.plugintestkit.HugetlbPoolState;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;
import org.kemu.schedfair.Errno;

/**
 * The RFC's cpuset.mems and NUMA memory policy TODOs on hugetlbfs fallocate ({@code --helpers-follow-mems}):
 * 5.14 {@code alloc_hugetlb_folio} takes its node from {@code huge_node()} (the task policy when the file has
 * none) and {@code dequeue_huge_page_nodemask()} skips nodes outside the allocating task's cpuset.mems. Helpers
 * are root-cpuset kthreads with the default policy unless the switch hands them the caller's.
 */
@ExtendWith(KemuExtension.class)
@KemuMachine(nodes = 2, coresPerNode = 4, memoryPerNodeMiB = 2048, hugepages2mPerNode = 64, padata = KemuMachine.Padata.MAINLINE)
class HelperMemsTest {

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("length", "64M", "pool-per-node", "128M", "threads", "8",
                "min-chunk", "1"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void withTheSwitchHelpersAllocateOnlyFromTheCallersCpusetMems(PluginTestMachine m) {
        PluginResult r = m.run(new HugetlbFallocatePlugin(),
                params("cpuset-mems", "1", "helpers-follow-mems", "true"));
        assertThat(r.metrics()).containsEntry("pages", 32L).containsEntry("pages.node0", 0L)
                .containsEntry("pages.node1", 32L);
        assertThat(r.metrics().get("threads.used").longValue()).isGreaterThan(1L);
        m.assertInvariants();
    }

    @Test
    void withoutTheSwitchHelpersOnNodeZeroAllocateThereDespiteTheCallersCpuset(PluginTestMachine m) {
        // the RFC's complaint: helpers are kthreads of the root cpuset, allocating on their own node
        PluginResult r = m.run(new HugetlbFallocatePlugin(), params("cpuset-mems", "1"));
        assertThat(r.metrics()).containsEntry("pages", 32L);
        assertThat(r.metrics().get("pages.node0").longValue()).isPositive();
        m.assertInvariants();
    }

    @Test
    void helpersFollowTheCallersInterleavePolicy(PluginTestMachine m) {
        // interleave_nid with the pseudo-VMA: offset_il_node of the page index over the policy's nodes
        PluginResult with = m.run(new HugetlbFallocatePlugin(),
                params("mempolicy", "interleave", "mempolicy-nodes", "0-1", "helpers-follow-mems", "true"));
        assertThat(with.metrics()).containsEntry("pages.node0", 16L).containsEntry("pages.node1", 16L);
    }

    @Test
    void helpersFollowTheCallersPreferredNode(PluginTestMachine m) {
        PluginResult with = m.run(new HugetlbFallocatePlugin(),
                params("mempolicy", "preferred", "mempolicy-nodes", "1", "helpers-follow-mems", "true"));
        assertThat(with.metrics()).containsEntry("pages.node0", 0L).containsEntry("pages.node1", 32L);
        PluginResult without = m.fresh().run(new HugetlbFallocatePlugin(),
                params("mempolicy", "preferred", "mempolicy-nodes", "1"));
        assertThat(without.metrics().get("pages.node0").longValue()).isPositive();
    }

    @Test
    void bindingToANodeWithoutEnoughFreePagesIsEnomemWithThePoolsUntouched(PluginTestMachine m) {
        // 96 pages: the pools hold 128, node 1 only 64. hugetlb_acct_memory's allowed_mems_nr() counts the free
        // pages of the caller's cpuset.mems and bind nodes and refuses with -ENOMEM, giving the reservation back
        PluginException e = m.runExpectingFailure(new HugetlbFallocatePlugin(),
                params("length", "192M", "mempolicy", "bind", "mempolicy-nodes", "1"));
        assertThat(e.errno()).contains(Errno.ENOMEM);
        assertThat(e.getMessage()).contains("allowed_mems_nr");
        // the set-up grew each pool to 64; the failed call leaves them all free and unreserved
        HugetlbPoolState after = m.hugetlbPools();
        assertThat(after.resv2m()).isZero();
        assertThat(after.free2m()).containsExactly(64L, 64L);
        assertThat(after.nr2m()).containsExactly(64L, 64L);
        m.assertInvariants();
    }

    @Test
    void aCpusetOfNodesTheMachineLacksIsEinval(PluginTestMachine m) {
        PluginException e = m.runExpectingFailure(new HugetlbFallocatePlugin(), params("cpuset-mems", "0-3"));
        assertThat(e.errno()).contains(Errno.EINVAL);
        assertThat(e.getMessage()).contains("update_nodemask");
    }

    @Test
    void failNthSweepWithHelpersFollowingABindPolicyLeavesThePoolsAsTheyWere(PluginTestMachine m) {
        HugetlbPoolState before = m.hugetlbPools();
        int runs = m.sweepFailNth(new HugetlbFallocatePlugin(),
                params("threads", "4", "cpuset-mems", "1", "mempolicy", "bind", "mempolicy-nodes", "1",
                        "helpers-follow-mems", "true"), 200,
                (mm, o) -> {
                    if (o.fired()) {
                        assertThat(o.failure()).as("n=%d", o.n()).isNotNull();
                        assertThat(o.failure().errno()).contains(Errno.ENOSPC);
                        assertThat(mm.hugetlbPools()).as("n=%d", o.n()).isEqualTo(before);
                    } else {
                        assertThat(o.result().metrics()).containsEntry("pages", 32L)
                                .containsEntry("pages.node1", 32L);
                    }
                    mm.assertInvariants();
                });
        assertThat(runs).isGreaterThan(2);
    }
}
