package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.Tracer;

/**
 * The memory-bandwidth model (a fluid approximation): a work item of c ns CPU and b bytes on node n
 * progresses at rate 1/max(c, b/bw) per ns, where bw = min(per-core ceiling, node bandwidth / k)
 * and k is the number of work items streaming on node n on some CPU at that moment. Whenever k
 * changes, every streamer on the node is settled at its old rate and continues at the new one (its
 * progress only: the CPU's scheduler accounting, update_curr, waits for the CPU's own next event). A
 * preempted streamer stops counting towards k. The ceiling applies per streaming CPU (SMT siblings
 * are not made to share it), and CPU time itself is not shared between siblings.
 */
final class MemoryBandwidthModel {
    private final SchedCore core;
    private final MemoryBandwidth bandwidth;
    private final Tracer tracer;
    /** The running tasks streaming on each node, in the order they started streaming. */
    private final List<List<SimTask>> streamers = new ArrayList<>();
    /** The trace counter of each node's bandwidth, named once (rebalance runs on every start and stop). */
    private final String[] counterNames;

    MemoryBandwidthModel(SchedCore core, MemoryBandwidth bandwidth, int nodes, Tracer tracer) {
        this.core = core;
        this.bandwidth = bandwidth;
        this.tracer = tracer;
        this.counterNames = new String[nodes];
        for (int i = 0; i < nodes; i++) {
            streamers.add(new ArrayList<>());
            counterNames[i] = "mem_bw_bytes_per_s.node" + i;
        }
    }

    /** {@code t}'s streaming work item starts (or resumes) on its CPU. */
    void startStreaming(SimTask t) {
        streamers.get(t.workNode).add(t);
        rebalance(t.workNode);
    }

    /** {@code t}'s streaming work item stops counting towards its node: done, or off the CPU. */
    void stopStreaming(SimTask t) {
        streamers.get(t.workNode).remove(t);
        rebalance(t.workNode);
    }

    /** Settles a streaming work item's progress at its current rate up to {@code now}. */
    static void settle(SimTask t, long now) {
        long delta = now - t.streamAt;
        if (delta > 0) {
            t.remFrac -= t.rate * delta;
            t.streamAt = now;
        }
    }

    /** Settles every streamer on {@code node} at its old rate and gives it the new one. */
    private void rebalance(int node) {
        List<SimTask> s = streamers.get(node);
        int k = s.size();
        if (tracer.enabled()) {
            tracer.counter(counterNames[node], k == 0 ? 0 : k * bandwidth.perStreamer(k));
        }
        if (k == 0) {
            return;
        }
        double bwPerNs = bandwidth.perStreamer(k) / 1e9;
        long now = core.now();
        for (SimTask t : s) {
            SimCpu c = core.cpu(t.task.cpu);
            settle(t, now);
            double durNs = Math.max((double) t.workCpuNs, t.workBytes / bwPerNs);
            t.rate = 1.0 / Math.max(1.0, durNs);
            long start = Math.max(now, t.streamAt);
            t.doneAt = start + (long) Math.ceil(Math.max(0, t.remFrac) / t.rate);
            core.reprogram(c);
        }
    }
}
