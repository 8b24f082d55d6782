package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.ThrottleModel;

/**
 * The fair class's invariants on a simulated kernel, checked between events (from a timer callback
 * or a task): what the kernel's own SCHED_WARN_ONs and list asserts check (assert_list_leaf_cfs_rq,
 * the h_nr_running and load sums), and what kemu's calc_group_shares model promises. Usable by
 * tests and researchers the way mm-gup's and type1's invariant checkers are.
 *
 * <ul>
 *   <li>each run queue's {@code nr_running} and {@code load.weight} are its queued entities' count
 *       and weight sum, curr included, and every queued entity points at its queue;
 *   <li>{@code h_nr_running} is the tasks queued below, minus what a throttled queue hides;
 *   <li>a group's total load is the sum of its queues' loads, and each queued group entity has the
 *       weight calc_group_shares gives it from those loads;
 *   <li>a queued group entity has something queued below it; before 6.18 a throttled queue's entity
 *       is off its parent, and the throttled queues are exactly those on their group's throttled list;
 *   <li>a group's runtime pool is never negative;
 *   <li>a runnable task is on its group's queue of its CPU (unless task-based throttling parked it);
 *   <li>no CPU is idle while tasks it can run are queued on it (the CPU is work-conserving);
 *   <li>the {@link RootDomain}'s counts are what a scan of every CPU finds.
 * </ul>
 */
public final class FairInvariants {
    private FairInvariants() {
    }

    /** Every violation on {@code kernel} (a simulated one), as messages; empty when all hold. */
    public static List<String> violations(Kernel kernel) {
        if (!(kernel instanceof SimKernel sk)) {
            throw new IllegalArgumentException("fair-class invariants need a simulated kernel");
        }
        SchedCore core = sk.core();
        FairClass fair = core.fair;
        List<String> out = new ArrayList<>();
        int n = kernel.topology().nrCpus();
        checkGroup(fair, fair.root, n, out);
        boolean taskBased = fair.throttling instanceof TaskBasedThrottling;
        for (int c = 0; c < n; c++) {
            SimCpu cpu = core.cpu(c);
            if (cpu.online && cpu.curr == null && fair.nrRunning(cpu) > 0) {
                out.add("cpu " + c + " idles with " + fair.nrRunning(cpu) + " runnable tasks queued");
            }
        }
        core.balance.rd.disagreements(out);
        for (var t : kernel.tasks()) {
            SimTask s = SimTask.of((org.kemu.schedfair.internal.TaskStruct) t);
            TaskState st = t.state();
            if ((st == TaskState.RUNNABLE || st == TaskState.RUNNING) && !taskBased) {
                CfsRq want = s.tg.cfsRq[t.cpu()];
                if (!s.onRq || s.cfsRq != want) {
                    out.add("runnable " + t.name() + " is not on " + want);
                }
            }
        }
        return out;
    }

    /** Throws with every violation listed, when there is one. */
    public static void check(Kernel kernel) {
        List<String> v = violations(kernel);
        if (!v.isEmpty()) {
            throw new IllegalStateException("fair-class invariants violated at " + kernel.now() + " ns: " + v);
        }
    }

    /** The model of throttling in effect, for messages. */
    static ThrottleModel model(FairClass fair) {
        return fair.throttling instanceof TaskBasedThrottling ? ThrottleModel.TASK_BASED : ThrottleModel.CFS_RQ;
    }

    private static void checkGroup(FairClass fair, TaskGroup g, int n, List<String> out) {
        long total = 0;
        for (int c = 0; c < n; c++) {
            CfsRq rq = g.cfsRq[c];
            total += rq.load;
            int count = 0;
            long load = 0;
            for (SchedEntity se : rq.tree) {
                count++;
                load += se.weight;
                if (!se.onRq || se.cfsRq != rq) {
                    out.add(se + " is in the tree of " + rq + " but not queued there");
                }
            }
            if (rq.curr != null && rq.curr.onRq) {
                count++;
                load += rq.curr.weight;
            }
            if (count != rq.nrRunning) {
                out.add(rq + " nr_running " + rq.nrRunning + " but " + count + " entities queued");
            }
            if (load != rq.load) {
                out.add(rq + " load " + rq.load + " but its entities weigh " + load);
            }
            int h = hNrRunning(fair, rq);
            if (h != rq.hNrRunning) {
                out.add(rq + " h_nr_running " + rq.hNrRunning + " but " + h + " tasks below (" + model(fair) + ")");
            }
            if (!g.isRoot()) {
                GroupEntity se = g.se[c];
                if (se.onRq && rq.nrRunning == 0) {
                    out.add(se + " is queued with nothing below it");
                }
                if (se.onRq && se.weight != FairClass.groupWeight(g, rq)) {
                    out.add(se + " weighs " + se.weight + " but calc_group_shares gives "
                            + FairClass.groupWeight(g, rq));
                }
                boolean cfsRqModel = !(fair.throttling instanceof TaskBasedThrottling);
                if (cfsRqModel && rq.throttled && se.onRq) {
                    out.add(rq + " is throttled but its entity is still queued");
                }
                if (rq.throttled != g.bw.throttledList.contains(rq)) {
                    out.add(rq + " throttled=" + rq.throttled + " disagrees with the throttled list of " + g.path);
                }
            }
        }
        if (!g.isRoot()) {
            if (total != g.totalLoad) {
                out.add(g.path + " total load " + g.totalLoad + " but its queues hold " + total);
            }
            CfsBandwidth b = g.bw;
            // the pool is capped at quota + burst only at refill; returned slack may lift it above
            // (__return_cfs_rq_runtime adds without a cap), but a grant never takes more than it holds
            if (b.limited() && b.runtime < 0) {
                out.add(g.path + " pool holds " + b.runtime + " ns");
            }
        }
        for (TaskGroup child : g.children) {
            checkGroup(fair, child, n, out);
        }
    }

    /** Tasks queued at or below {@code rq} that its ancestors see: child queues a throttle hides count 0. */
    private static int hNrRunning(FairClass fair, CfsRq rq) {
        int h = 0;
        for (SchedEntity se : rq.tree) {
            h += below(fair, se);
        }
        if (rq.curr != null && rq.curr.onRq) {
            h += below(fair, rq.curr);
        }
        return h;
    }

    private static int below(FairClass fair, SchedEntity se) {
        CfsRq q = se.myQ();
        if (q == null) {
            return 1;
        }
        return fair.throttling.hides(q) ? 0 : hNrRunning(fair, q);
    }
}
