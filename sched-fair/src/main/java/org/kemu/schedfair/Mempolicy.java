package org.kemu.schedfair;

import java.util.Objects;

/**
 * A task's NUMA memory policy ({@code struct mempolicy}, mm/mempolicy.c of 5.14) as
 * {@code set_mempolicy(2)} leaves it: the mode and its nodes, already intersected with the task's
 * cpuset.mems ({@code mpol_set_nodemask}). {@link #DEFAULT} is no task policy: allocations go to
 * the allocating CPU's node and fall back along the zonelist.
 */
public record Mempolicy(Mode mode, NodeMask nodes) {

    /** The policy modes the 2022 RFC's TODO names (and the default). */
    public enum Mode {
        /** MPOL_DEFAULT: local allocation. */
        DEFAULT,
        /** MPOL_PREFERRED: the first node of the set first, then the zonelist's fallback. */
        PREFERRED,
        /** MPOL_BIND: only the set's nodes (a nodemask on the allocation). */
        BIND,
        /** MPOL_INTERLEAVE: page by page round the set's nodes, falling back anywhere. */
        INTERLEAVE
    }

    public static final Mempolicy DEFAULT = new Mempolicy(Mode.DEFAULT, NodeMask.of());

    public Mempolicy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(nodes, "nodes");
        // mpol_new: MPOL_DEFAULT takes no nodes; mpol_new_nodemask / mpol_new_preferred: the others need one
        KernelException.require(mode == Mode.DEFAULT ? nodes.isEmpty() : !nodes.isEmpty(), Errno.EINVAL,
                "set_mempolicy:mpol_new", mode + " with nodes '" + nodes + "'");
    }

    /**
     * {@code set_mempolicy(mode, nodes)} for a task confined to {@code memsAllowed}: 5.14
     * {@code mpol_set_nodemask} keeps only the allowed nodes; none left is EINVAL.
     */
    public static Mempolicy set(Mode mode, NodeMask nodes, NodeMask memsAllowed) {
        if (mode == Mode.DEFAULT) {
            return DEFAULT;
        }
        NodeMask allowed = nodes.and(memsAllowed);
        KernelException.require(!allowed.isEmpty(), Errno.EINVAL, "set_mempolicy:mpol_set_nodemask",
                "nodes " + nodes + " outside cpuset.mems " + memsAllowed);
        return new Mempolicy(mode, allowed);
    }

    /** 5.14 {@code policy_nodemask}: the allocation's nodemask, {@code null} (no restriction) but for MPOL_BIND. */
    public NodeMask policyNodemask() {
        return mode == Mode.BIND ? nodes : null;
    }

    /** 5.14 {@code policy_node}: the node an allocation starts from; {@code localNid} is {@code numa_node_id()}. */
    public int policyNode(int localNid) {
        return mode == Mode.PREFERRED ? nodes.first() : localNid;
    }

    /**
     * 5.14 {@code offset_il_node}: the interleave node of page offset {@code off} (what
     * {@code interleave_nid} uses for a VMA's pages: the offset into the mapping in pages of its size).
     */
    public int offsetIlNode(long off) {
        int n = nodes.weight();
        int target = (int) Long.remainderUnsigned(off, n);
        int nid = nodes.first();
        for (int i = 0; i < target; i++) {
            nid = nodes.next(nid);
        }
        return nid;
    }

    @Override
    public String toString() {
        return mode == Mode.DEFAULT ? "default" : mode.name().toLowerCase(java.util.Locale.ROOT) + ":" + nodes;
    }
}
