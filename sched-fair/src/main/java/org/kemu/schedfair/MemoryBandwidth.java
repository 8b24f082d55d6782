package org.kemu.schedfair;

/**
 * Memory bandwidth of each node, in bytes per second: {@code nodeBytesPerSec} is shared by every
 * task streaming through that node at the same time, and no single task streams faster than
 * {@code perCoreBytesPerSec} (the ceiling one core's outstanding misses allow).
 */
public record MemoryBandwidth(double nodeBytesPerSec, double perCoreBytesPerSec) {
    public MemoryBandwidth {
        KernelException.require(nodeBytesPerSec > 0 && Double.isFinite(nodeBytesPerSec), Errno.EINVAL,
                "bandwidth:node", "node bandwidth must be positive and finite");
        KernelException.require(perCoreBytesPerSec > 0 && Double.isFinite(perCoreBytesPerSec),
                Errno.EINVAL, "bandwidth:core", "per-core bandwidth must be positive and finite");
    }

    /** The bandwidth each of {@code k} concurrent streamers on one node gets: min(ceiling, node/k). */
    public double perStreamer(int k) {
        return Math.min(perCoreBytesPerSec, nodeBytesPerSec / Math.max(1, k));
    }
}
