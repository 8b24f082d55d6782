package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** EEVDF pieces that are easiest to pin on the rule itself. */
class EevdfRuleTest {

    /**
     * Regression (found by the port of LTP cfs_bandwidth01 on 2 CPUs): a reweight whose rounding
     * puts curr's deadline on its vruntime must not ask for a resched 0 ns away. update_deadline
     * (6.6 fair.c) runs only from update_curr, which returns early without time to charge
     * (delta_exec <= 0), so the kernel lets curr run to its next update, which then gives it a new
     * request; a 0 here preempted and re-picked the same entity at the same instant forever.
     */
    @Test
    void aDeadlineReachedByReweightLetsCurrRunToItsNextUpdate() {
        EevdfRule rule = new EevdfRule(2, 1_000_000L); // HZ 1000
        TaskGroup root = new TaskGroup("/", "", null, 1, rule.order(), 0);
        CfsRq rq = root.cfsRq[0];
        TaskGroup g = new TaskGroup("/g", "g", root, 1, rule.order(), -1);
        GroupEntity curr = g.se[0];
        curr.vruntime = 1_000;
        curr.deadline = 1_000;
        curr.sliceStartExec = 0;
        rq.curr = curr;
        rq.nrRunning = 2;
        assertThat(rule.reschedInNs(rq, curr)).isPositive();
        // once the time is charged, update_deadline gives a new request and the resched is due now
        rule.updateCurr(rq, curr, 1);
        assertThat(rule.reschedInNs(rq, curr)).isZero();
        assertThat(curr.deadline).isGreaterThan(curr.vruntime);
    }
}
