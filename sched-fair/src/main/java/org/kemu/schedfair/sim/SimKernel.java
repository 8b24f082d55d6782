package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.kemu.schedfair.Backend;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.internal.HeldLock;
import org.kemu.schedfair.internal.HrTimer;
import org.kemu.schedfair.internal.KernelBase;
import org.kemu.schedfair.internal.SeamGuard;
import org.kemu.schedfair.internal.TaskStruct;

/**
 * The simulated backend: the {@link org.kemu.schedfair.Kernel} facade (its checks are
 * {@link KernelBase}'s) over a discrete-event {@link SimEngine} in virtual time, whose CPUs are
 * scheduled by {@link SchedCore} with the {@link FairClass}. This class wires them and implements
 * the backend seam and hooks by handing each to the part that does it.
 */
public final class SimKernel extends KernelBase {
    private final RuntimeCosts costs;
    private final SimEngine engine;
    private final SchedCore core;
    private final SimCpuController cgroups;

    /** A kernel whose tasks ride the carrier the {@value Carrier#PROPERTY} system property asks for. */
    public SimKernel(KernelConfig config) {
        this(config, Carrier.configured());
    }

    SimKernel(KernelConfig config, Carrier carrier) {
        super(config, new ArrayList<>());
        this.costs = config.machine().costs();
        this.engine = new SimEngine(config.timeLimitNs(), config.wallTimeLimitNs(), tasks, carrier);
        this.core = new SchedCore(this, engine, config);
        engine.drive(core);
        this.cgroups = new SimCpuController(this, core, config.bandwidthPolicy());
    }

    /** What carries the tasks' code on the host. */
    Carrier carrier() {
        return engine.carrier();
    }

    /** The scheduler, for the invariant checker. */
    SchedCore core() {
        return core;
    }

    // ---- identity -----------------------------------------------------------------------------

    @Override
    public boolean runAborted() {
        return engine.aborted();
    }

    @Override
    public Backend backend() {
        return Backend.SIMULATED;
    }

    @Override
    public long now() {
        return engine.now;
    }

    @Override
    public TaskStruct currentOrNull() {
        return engine.current();
    }

    @Override
    public TaskStruct self(String what) {
        return engine.self(what);
    }

    private SimTask selfSim(String what) {
        return SimTask.of(engine.self(what));
    }

    @Override
    public Task cpuCurr(int cpu) {
        SimTask t = core.cpu(checkCpu(cpu, "cpu_curr:cpu")).curr;
        return t == null ? null : t.task;
    }

    @Override
    public int nextBusyCpu(int from) {
        return core.nextBusyCpu(Math.max(0, from));
    }

    /** SchedCore's shortcut for a task's own next event, which OwnEventShortcutTest turns off to compare. */
    void ownEventShortcut(boolean on) {
        core.ownEventShortcut = on;
    }

    /** Work items the shortcut ended. */
    long ownEvents() {
        return core.ownEvents;
    }

    @Override
    public long cpuCurrGeneration() {
        return core.currGeneration();
    }

    @Override
    public CpuController cpuController() {
        return cgroups;
    }

    // ---- the facade's hooks -------------------------------------------------------------------

    @Override
    protected void checkSetup(String what) {
        if (engine.broken()) {
            throw new IllegalStateException("kernel is unusable after a failed run");
        }
        if (engine.running() && !inTask()) {
            throw new IllegalStateException(what + " from outside a task while the kernel runs");
        }
    }

    @Override
    protected void initTask(TaskStruct ts) {
        core.fork(ts);
        engine.carry(ts);
    }

    @Override
    protected List<HeldLock> newHeldList() {
        return new ArrayList<>();
    }

    @Override
    protected void payKthreadCreate() {
        if (inTask() && costs.kthreadCreateNs() > 0) {
            work(costs.kthreadCreateNs());
        }
    }

    @Override
    protected void wakeUpNewTask(TaskStruct ts) {
        core.wakeUpNewTask(SimTask.of(ts));
    }

    @Override
    protected void renice(TaskStruct ts, int nice) {
        core.renice(SimTask.of(ts), nice);
    }

    @Override
    protected void affinityChanged(TaskStruct ts) {
        core.affinityChanged(SimTask.of(ts));
    }

    @Override
    protected void fatalSignalSent(TaskStruct ts) {
        SimTask t = SimTask.of(ts);
        if (ts.state == TaskState.BLOCKED && t.onFatalSignal != null) {
            Runnable r = t.onFatalSignal;
            t.onFatalSignal = null;
            r.run();
            core.wake(t);
        }
    }

    @Override
    protected void waitForExit(TaskStruct me, TaskStruct t) {
        SimTask.of(t).joiners.add(SimTask.of(me));
        core.block(SimTask.of(me), "exit of task '" + t.name + "'", () -> List.of(t.toString()));
    }

    @Override
    protected void doWork(TaskStruct ts, long cpuNs, int node, long bytes) {
        core.work(SimTask.of(ts), cpuNs, node, bytes, null);
    }

    @Override
    protected void doWork(TaskStruct ts, long cpuNs, int node, long bytes, java.util.function.LongSupplier then) {
        core.work(SimTask.of(ts), cpuNs, node, bytes, then);
    }

    @Override
    public RunStats run() {
        engine.run();
        return new RunStats(engine.now, engine.events(), engine.hashValue(), core.busyNs(), lockStats(),
                lockdep.violations());
    }

    @Override
    public void sleep(long ns) {
        SimTask t = selfSim("sleep");
        if (ns <= 0) {
            condResched();
            return;
        }
        long until = engine.now + ns;
        HrTimer tm = new HrTimer(this, "sleep:" + t.task.name, () -> core.wake(t));
        armTimer(tm, until);
        core.block(t, "sleep until " + until, List::of);
    }

    @Override
    public void condResched() {
        core.condResched(selfSim("cond_resched"));
    }

    // ---- the seam -----------------------------------------------------------------------------

    /** One baton holder runs at a time: the primitives need no lock of their own. */
    @Override
    public SeamGuard newGuard() {
        return SeamGuard.NONE;
    }

    /** Charges the lock-acquisition cost, with a cache-line transfer when the line is elsewhere. */
    private void chargeLineTransfer(TaskStruct t, int lastCpu, long baseNs) {
        long cost = baseNs;
        if (lastCpu >= 0 && lastCpu != t.cpu) {
            cost += costs.lineTransferNs(core.cpu(lastCpu).node == core.cpu(t.cpu).node);
        }
        if (cost > 0) {
            work(cost);
        }
    }

    @Override
    public void chargeLockAcquire(TaskStruct t, int lastCpu) {
        chargeLineTransfer(t, lastCpu, costs.lockAcquireNs());
    }

    @Override
    public void chargeLineTransfer(TaskStruct t, int lastCpu) {
        chargeLineTransfer(t, lastCpu, 0);
    }

    @Override
    public void block(TaskStruct t, SeamGuard g, String on, Supplier<List<String>> holders, Runnable onFatalSignal) {
        SimTask s = SimTask.of(t);
        if (onFatalSignal != null) {
            s.onFatalSignal = onFatalSignal;
        }
        core.block(s, on, holders);
    }

    @Override
    public void wake(TaskStruct t) {
        core.wake(SimTask.of(t));
    }

    @Override
    public void spin(TaskStruct t, SeamGuard g, String on, Supplier<List<String>> holders) {
        core.spin(SimTask.of(t), on, holders);
    }

    @Override
    public void endSpin(TaskStruct t) {
        core.stopSpinning(SimTask.of(t));
    }

    @Override
    public void armTimer(HrTimer tm, long at) {
        engine.armTimer(tm, at);
    }

    @Override
    public boolean cancelTimer(HrTimer tm) {
        return engine.cancelTimer(tm);
    }

    @Override
    public boolean optimisticSpinning() {
        return true;
    }

    @Override
    public boolean onCpu(TaskStruct t) {
        return t.state == TaskState.RUNNING && core.cpu(t.cpu).curr == SimTask.of(t);
    }

    @Override
    public long weightOf(TaskStruct t) {
        return SimTask.of(t).weight;
    }

    /** Up to date when read from kernel code, a timer callback, or after the run. */
    @Override
    public long sumExecRuntime(TaskStruct t) {
        SimTask s = SimTask.of(t);
        if (t.state == TaskState.RUNNING && engine.mayAccount()) {
            core.accountCpu(t.cpu);
        }
        return s.sumExec;
    }
}
