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
 */
public record HardwareFacts(String name, String description, int nodes, int coresPerNode, int threadsPerCore,
        long memoryPerNodeBytes, String base, double baseClockGhz, int channels, int mtPerSec, String source) {

    /** Peak DRAM bandwidth of one node: channels x 8 bytes x MT/s. */
    public double peakNodeBytesPerSec() {
        return channels * 8.0 * mtPerSec * 1e6;
    }
}
