package org.kemu.lab.experiment;

/**
 * Public facts about a machine without calibration inputs, from its vendor's data sheet: topology,
 * base clock and the DRAM channels per socket. {@link DerivedProfiles} turns them into a profile.
 *
 * @param base the calibrated profile of the nearest microarchitecture (intel-8167m or amd-7j13)
 * @param baseClockGhz the data sheet's base (non-turbo) frequency
 * @param channels DDR channels per NUMA node: a socket's channels, or its share when the socket is split into
 *     nodes (AMD NPS2 gives each node half)
 * @param mtPerSec the DIMMs' transfer rate, MT/s
 * @param source the data sheet the facts come from
 * @param coresPerLlc cores sharing one last-level cache (Linux's MC sched domain): the node's cores on
 *     the Intel parts here (one L3 per socket), a CCX's on AMD Zen
 */
public record HardwareFacts(String name, String description, int nodes, int coresPerNode, int threadsPerCore,
        long memoryPerNodeBytes, String base, double baseClockGhz, int channels, int mtPerSec, String source,
        int coresPerLlc) {

    /** Facts of a machine whose last-level cache spans its node (every Intel part here, and the KVM guests). */
    public HardwareFacts(String name, String description, int nodes, int coresPerNode, int threadsPerCore,
            long memoryPerNodeBytes, String base, double baseClockGhz, int channels, int mtPerSec, String source) {
        this(name, description, nodes, coresPerNode, threadsPerCore, memoryPerNodeBytes, base, baseClockGhz, channels,
                mtPerSec, source, coresPerNode);
    }

    /** Peak DRAM bandwidth of one node: channels x 8 bytes x MT/s. */
    public double peakNodeBytesPerSec() {
        return channels * 8.0 * mtPerSec * 1e6;
    }
}
