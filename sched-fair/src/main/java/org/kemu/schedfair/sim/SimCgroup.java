package org.kemu.schedfair.sim;

import org.kemu.schedfair.CpuStat;
import org.kemu.schedfair.internal.CpuCgroupFiles;

/** A simulated cgroup: the interface files over a {@link TaskGroup} of the fair class. */
final class SimCgroup extends CpuCgroupFiles {
    final TaskGroup tg;
    private final FairClass fair;

    SimCgroup(TaskGroup tg, SimCgroup parent, FairClass fair) {
        super(tg.path, parent, fair.version);
        this.tg = tg;
        this.fair = fair;
    }

    @Override
    protected void applyBandwidth(long quota, long period, long burst) {
        fair.bandwidth.setBandwidth(tg, quota, period, burst);
    }

    @Override
    protected void applyShares(long shares) {
        tg.shares = Math.max(TaskGroup.MIN_SHARES, Math.min(TaskGroup.MAX_SHARES, shares));
        fair.sharesChanged(tg);
    }

    @Override
    protected void applyIdle(boolean idle) {
        tg.idle = idle;
        fair.sharesChanged(tg);
    }

    @Override
    public CpuStat cpuStat() {
        fair.accountAll();
        if (tg.isRoot()) {
            return new CpuStat(tg.usageNs / 1000, tg.userNs / 1000, tg.systemNs / 1000, tg.niceNs / 1000, 0, 0, 0, 0, 0);
        }
        CfsBandwidth b = tg.bw;
        // throttled time still running counts up to now, as the kernel adds it at unthrottle
        long throttledNs = b.throttledTimeNs;
        return new CpuStat(tg.usageNs / 1000, tg.userNs / 1000, tg.systemNs / 1000, tg.niceNs / 1000, b.nrPeriods, b.nrThrottled,
                throttledNs / 1000, b.nrBursts, b.burstTimeNs / 1000);
    }

    @Override
    public String toString() {
        return path;
    }
}
