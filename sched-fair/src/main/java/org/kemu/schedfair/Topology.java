package org.kemu.schedfair;

/**
 * The shape of an emulated machine: {@code nodes} NUMA nodes, each with {@code coresPerNode}
 * cores of {@code threadsPerCore} SMT threads. CPU ids are numbered as Linux numbers them on the
 * published two-socket x86 servers: first one thread of every core (node 0's cores, then node 1's),
 * then the SMT siblings in the same order, so that CPU {@code c} and {@code c + cores} are siblings.
 *
 * <p>The last level cache is shared by {@code coresPerLlc} consecutive cores of a node (with their
 * SMT siblings): the span of the scheduler's MC domain (cpu_coregroup_mask, the LLC's shared_cpu_map
 * on x86) and of select_idle_sibling's scan.
 *
 * @param memoryPerNodeBytes memory of each node, used by mm-gup for its physical memory
 * @param coresPerLlc cores sharing one last level cache; divides {@code coresPerNode}
 */
public record Topology(int nodes, int coresPerNode, int threadsPerCore, long memoryPerNodeBytes, int coresPerLlc) {

    /** Upper bound on CPUs, as a large NR_CPUS; it keeps masks and per-CPU arrays sane. */
    public static final int MAX_CPUS = 8192;

    public Topology {
        KernelException.require(nodes >= 1 && nodes <= 1024, Errno.EINVAL, "topology:nodes",
                "nodes must be in 1..1024, got " + nodes);
        KernelException.require(coresPerNode >= 1, Errno.EINVAL, "topology:cores",
                "cores per node must be at least 1, got " + coresPerNode);
        KernelException.require(threadsPerCore >= 1 && threadsPerCore <= 8, Errno.EINVAL,
                "topology:smt", "threads per core must be in 1..8, got " + threadsPerCore);
        KernelException.require((long) nodes * coresPerNode * threadsPerCore <= MAX_CPUS,
                Errno.EINVAL, "topology:nr_cpus", "more than " + MAX_CPUS + " CPUs");
        KernelException.require(memoryPerNodeBytes >= 0, Errno.EINVAL, "topology:memory",
                "memory per node must not be negative");
        KernelException.require(coresPerLlc >= 1 && coresPerNode % coresPerLlc == 0, Errno.EINVAL, "topology:llc",
                "cores per LLC must divide cores per node (" + coresPerNode + "), got " + coresPerLlc);
    }

    /** A machine whose nodes each have one last level cache (one LLC per socket, as Skylake-SP). */
    public Topology(int nodes, int coresPerNode, int threadsPerCore, long memoryPerNodeBytes) {
        this(nodes, coresPerNode, threadsPerCore, memoryPerNodeBytes, coresPerNode);
    }

    /** A single-node machine of {@code cpus} CPUs without SMT and 1 GiB of memory. */
    public static Topology uniform(int cpus) {
        return new Topology(1, cpus, 1, 1L << 30);
    }

    public int nrCpus() {
        return nodes * coresPerNode * threadsPerCore;
    }

    public int nrCores() {
        return nodes * coresPerNode;
    }

    public int nodeOf(int cpu) {
        checkCpu(cpu);
        return (cpu % nrCores()) / coresPerNode;
    }

    /** The physical core of {@code cpu}, shared by its SMT siblings. */
    public int coreOf(int cpu) {
        checkCpu(cpu);
        return cpu % nrCores();
    }

    /** All CPUs of {@code node}. */
    public CpuMask cpusOfNode(int node) {
        KernelException.require(node >= 0 && node < nodes, Errno.EINVAL, "topology:node",
                "no node " + node);
        CpuMask m = CpuMask.empty();
        for (int t = 0; t < threadsPerCore; t++) {
            int base = t * nrCores() + node * coresPerNode;
            m = m.or(CpuMask.range(base, base + coresPerNode));
        }
        return m;
    }

    /** The last level cache of {@code cpu}, numbered across the machine. */
    public int llcOf(int cpu) {
        return coreOf(cpu) / coresPerLlc;
    }

    /** All CPUs sharing {@code cpu}'s last level cache, itself included (cpu_coregroup_mask). */
    public CpuMask llcCpusOf(int cpu) {
        int first = llcOf(cpu) * coresPerLlc;
        CpuMask m = CpuMask.empty();
        for (int t = 0; t < threadsPerCore; t++) {
            int base = t * nrCores() + first;
            m = m.or(CpuMask.range(base, base + coresPerLlc));
        }
        return m;
    }

    /** The SMT siblings of {@code cpu}, itself included. */
    public CpuMask siblingsOf(int cpu) {
        int core = coreOf(cpu);
        int[] ids = new int[threadsPerCore];
        for (int t = 0; t < threadsPerCore; t++) {
            ids[t] = threadOf(core, t);
        }
        return CpuMask.of(ids);
    }

    /** CPU {@code thread} of physical core {@code core}: the threads of a core are {@link #nrCores()} apart. */
    public int threadOf(int core, int thread) {
        return thread * nrCores() + core;
    }

    public CpuMask allCpus() {
        return CpuMask.first(nrCpus());
    }

    private void checkCpu(int cpu) {
        // the message is built only on failure: nodeOf runs on every page fault
        if (cpu < 0 || cpu >= nrCpus()) {
            throw new KernelException(Errno.EINVAL, "topology:cpu", "no CPU " + cpu + " on a machine of " + nrCpus());
        }
    }
}
