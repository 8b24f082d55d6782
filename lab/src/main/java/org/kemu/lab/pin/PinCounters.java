package org.kemu.lab.pin;

import org.kemu.lab.PinStats;

/** Running sums behind {@link PinStats}; mutated only by emulated tasks, one at a time. */
final class PinCounters {
    long gupNs;
    long faultClearNs;
    long accountingNs;
    long iommuMapNs;
    long runs;
    long lockAcctCalls;

    PinStats snapshot(long lockWaitNs) {
        return new PinStats(gupNs, faultClearNs, accountingNs, iommuMapNs, lockWaitNs, runs, lockAcctCalls);
    }
}
