package org.kemu.schedfair;

import java.util.Objects;

/**
 * {@code nodemask_t}: an immutable set of NUMA node ids, printed as a nodelist ({@code 0-1,3}) as
 * cpuset.mems and numactl print it. The bit arithmetic is {@link CpuMask}'s; only the meaning differs.
 */
public final class NodeMask {
    private final CpuMask bits;

    private NodeMask(CpuMask bits) {
        this.bits = bits;
    }

    public static NodeMask of(int... nodes) {
        return new NodeMask(CpuMask.of(nodes));
    }

    /** Nodes 0 to {@code n - 1}: {@code node_states[N_MEMORY]} of a machine whose every node has memory. */
    public static NodeMask all(int n) {
        return new NodeMask(CpuMask.first(n));
    }

    /** A nodelist such as {@code 0-1,3}; the empty string is the empty mask. */
    public static NodeMask parse(String nodelist) {
        return new NodeMask(nodelist.isBlank() ? CpuMask.empty() : CpuMask.parse(nodelist.strip()));
    }

    public boolean contains(int nid) {
        return bits.contains(nid);
    }

    /** {@code nodes_weight}. */
    public int weight() {
        return bits.weight();
    }

    public boolean isEmpty() {
        return bits.isEmpty();
    }

    /** {@code first_node}; -1 when empty. */
    public int first() {
        return bits.isEmpty() ? -1 : bits.firstCpu();
    }

    /** {@code next_node(nid)}: the lowest node above {@code nid}, -1 if none. */
    public int next(int nid) {
        return bits.nextCpu(nid + 1);
    }

    public NodeMask and(NodeMask o) {
        return new NodeMask(bits.and(o.bits));
    }

    public boolean isSubsetOf(NodeMask o) {
        return bits.isSubsetOf(o.bits);
    }

    public int[] toArray() {
        return bits.toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeMask m && m.bits.equals(bits);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bits);
    }

    @Override
    public String toString() {
        return bits.toString();
    }
}
