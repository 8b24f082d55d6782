package org.kemu.hugetlbfallocate;

/** Which node each huge page of the file comes from (the file's memory policy). */
public enum Placement {
    /** The node of the CPU allocating it, falling back to other nodes (default policy). */
    LOCAL,
    /** Page index modulo the number of nodes, falling back (MPOL_INTERLEAVE). */
    INTERLEAVE,
    /** Only the given node; ENOSPC when its pool runs dry (MPOL_BIND). */
    BIND
}
