package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The node choices of 5.14 mm/mempolicy.c: policy_nodemask, policy_node, offset_il_node, mpol_set_nodemask. */
class MempolicyTest {

    @Test
    void bindRestrictsTheAllocationAndStartsLocally() {
        Mempolicy p = Mempolicy.set(Mempolicy.Mode.BIND, NodeMask.of(1, 3), NodeMask.all(4));
        assertThat(p.policyNodemask()).isEqualTo(NodeMask.of(1, 3));
        // policy_node: only MPOL_PREFERRED moves the start node; bind starts at numa_node_id()
        assertThat(p.policyNode(0)).isZero();
    }

    @Test
    void preferredStartsAtItsFirstNodeWithoutANodemask() {
        Mempolicy p = Mempolicy.set(Mempolicy.Mode.PREFERRED, NodeMask.of(2, 3), NodeMask.all(4));
        assertThat(p.policyNode(0)).isEqualTo(2);
        assertThat(p.policyNodemask()).isNull();
    }

    @Test
    void interleaveWalksTheSetByOffset() {
        Mempolicy p = Mempolicy.set(Mempolicy.Mode.INTERLEAVE, NodeMask.of(1, 2, 3), NodeMask.all(4));
        assertThat(new int[] {p.offsetIlNode(0), p.offsetIlNode(1), p.offsetIlNode(2), p.offsetIlNode(3)})
                .containsExactly(1, 2, 3, 1);
        assertThat(p.policyNodemask()).isNull();
    }

    @Test
    void defaultIsLocal() {
        assertThat(Mempolicy.DEFAULT.policyNode(1)).isEqualTo(1);
        assertThat(Mempolicy.DEFAULT.policyNodemask()).isNull();
        assertThat(Mempolicy.set(Mempolicy.Mode.DEFAULT, NodeMask.of(1), NodeMask.of(0))).isEqualTo(Mempolicy.DEFAULT);
    }

    @Test
    void policyNodesAreCutToTheCpusetAndNoneLeftIsEinval() {
        // mpol_set_nodemask: nodes &= cpuset_current_mems_allowed; mpol_new_nodemask: empty -> -EINVAL
        assertThat(Mempolicy.set(Mempolicy.Mode.BIND, NodeMask.of(0, 1), NodeMask.of(1)).nodes())
                .isEqualTo(NodeMask.of(1));
        assertThatThrownBy(() -> Mempolicy.set(Mempolicy.Mode.BIND, NodeMask.of(0), NodeMask.of(1)))
                .isInstanceOfSatisfying(KernelException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains("mpol_set_nodemask");
                });
    }

    @Test
    void nodeMasksParseAndPrintAsNodelists() {
        NodeMask m = NodeMask.parse("0-1,3");
        assertThat(m.toString()).isEqualTo("0-1,3");
        assertThat(m.first()).isZero();
        assertThat(m.next(1)).isEqualTo(3);
        assertThat(m.next(3)).isEqualTo(-1);
        assertThat(NodeMask.parse("").isEmpty()).isTrue();
    }
}
