package org.kemu.vfiotype1.iommu;

import java.util.ArrayDeque;
import java.util.BitSet;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Topology;

/**
 * VT-d's {@code dmar_domain->max_addr} as one cache line shared by the CPUs that map into a domain.
 * {@code intel_iommu_map()} (drivers/iommu/intel/iommu.c, 5.14) compares {@code iova + size} with it
 * on every call and raises it when the map reaches past it: "if (dmar_domain->max_addr < max_addr)
 * ... dmar_domain->max_addr = max_addr". Helpers that pin ascending chunks in parallel therefore have
 * one writer (the helper on the highest chunk, every call) and many readers (every call), and each
 * write takes the line from the readers and each read after it takes it back.
 *
 * <p>kemu charges one {@code iommu_map()} as one work item, a burst of calls spread evenly over its
 * length (one call per leaf in 5.14, whose VT-d has no {@code map_pages}; one per run of equal
 * leaves from 5.15, {@link org.kemu.schedfair.KernelVersion#vtdMapPages()}). The line is priced per
 * burst:
 * <ul>
 * <li>outside any overlap, as MESI would at burst granularity: a reading burst on a CPU without a
 * valid copy misses once, a writing burst misses once unless its CPU holds the only copy;</li>
 * <li>while a writing burst and another CPU's burst overlap for {@code o} ns, each side pays one
 * line transfer per write the writer makes in that time, capped by the other side's calls in it:
 * {@code min(o / writerCallNs, o / otherCallNs)} each (the reader re-reads after every write, the
 * writer takes the line back after every read); two reading bursts share the line for free.</li>
 * </ul>
 * A burst's misses never exceed its calls. Every overlap is found when the later burst starts (both
 * intervals are known then), and each burst pays its transfers as follow-on CPU time when it ends.
 * Bound: overlaps are measured on the bursts' lengths without those transfers, so the interleaving
 * the transfers themselves add is not counted, and a burst that starts during another's transfers
 * (after its calls) does not overlap it; the first miss of a burst that starts inside a writer's
 * burst may be counted twice (once by state, once by overlap). A transfer costs
 * {@link RuntimeCosts#cacheLineTransferNs()}, or {@link RuntimeCosts#remoteCacheLineTransferNs()}
 * between nodes.
 */
final class DmarMaxAddr {
    /** One {@code iommu_map()}'s calls: on {@code cpu} over [start, end). */
    static final class Burst {
        final int cpu;
        final long start;
        final long end;
        final long calls;
        final double callNs;
        final boolean writes;
        long misses;
        long stallNs;

        Burst(int cpu, long start, long end, long calls, boolean writes) {
            this.cpu = cpu;
            this.start = start;
            this.end = end;
            this.calls = calls;
            this.callNs = (double) (end - start) / calls;
            this.writes = writes;
        }

        /** CPU time the line cost this burst so far (it grows while later bursts overlap it). */
        synchronized long stallNs() {
            return stallNs;
        }

        /** Up to {@code n} more misses of {@code transferNs} each; returns how many it took. */
        synchronized long miss(long n, long transferNs) {
            long k = Math.max(0, Math.min(n, calls - misses));
            misses += k;
            stallNs += k * transferNs;
            return k;
        }
    }

    private final Topology topology;
    private final RuntimeCosts costs;
    private long maxAddr;
    /** CPUs holding a valid copy of the line. */
    private final BitSet sharers = new BitSet();
    private int lastWriter = -1;
    /** Bursts that may still overlap a later one, in start order. */
    private final ArrayDeque<Burst> recent = new ArrayDeque<>();
    private long transfers;

    DmarMaxAddr(Kernel kernel) {
        this.topology = kernel.topology();
        this.costs = kernel.machine().costs();
    }

    /**
     * A burst of {@code calls} {@code intel_iommu_map()} calls by {@code cpu} over [{@code now},
     * {@code now + ns}) mapping up to IOVA {@code iovaEnd}; returns it so that its caller charges
     * {@link Burst#stallNs()} when the burst ends.
     */
    synchronized Burst begin(int cpu, long now, long ns, long calls, long iovaEnd) {
        boolean writes = Long.compareUnsigned(iovaEnd, maxAddr) > 0;
        if (writes) {
            maxAddr = iovaEnd;
        }
        Burst b = new Burst(cpu, now, now + ns, Math.max(1, calls), writes);
        // the line's state at the burst's first call; the first fetch of all (from memory, by the
        // first CPU to map) is a cold miss a lone mapper pays too, so the serial fit has it
        boolean held = !sharers.isEmpty();
        boolean misses = held && (writes ? sharers.cardinality() != 1 || !sharers.get(cpu) : !sharers.get(cpu));
        if (misses) {
            transfers += b.miss(1, transfer(lastWriter < 0 ? sharers.nextSetBit(0) : lastWriter, cpu));
        }
        if (writes) {
            sharers.clear();
            lastWriter = cpu;
        }
        sharers.set(cpu);
        while (!recent.isEmpty() && recent.peekFirst().end <= now) {
            recent.pollFirst();
        }
        for (Burst a : recent) {
            if (a.cpu == cpu || a.end <= now || !(a.writes || writes)) {
                continue;
            }
            double overlap = Math.min(a.end, b.end) - now;
            double writerCallNs = a.writes ? a.callNs : b.callNs;
            double otherCallNs = a.writes ? b.callNs : a.callNs;
            long n = (long) Math.min(overlap / writerCallNs, overlap / otherCallNs);
            if (n > 0) {
                long t = transfer(a.cpu, cpu);
                transfers += a.miss(n, t) + b.miss(n, t);
            }
        }
        recent.addLast(b);
        return b;
    }

    /** Line transfers charged so far (each side of an overlap pays its own). */
    synchronized long transfers() {
        return transfers;
    }

    private long transfer(int from, int to) {
        return costs.lineTransferNs(topology.nodeOf(from) == topology.nodeOf(to));
    }
}
