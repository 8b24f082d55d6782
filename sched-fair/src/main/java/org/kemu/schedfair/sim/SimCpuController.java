package org.kemu.schedfair.sim;

import org.kemu.schedfair.BandwidthPolicy;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.internal.TaskStruct;
import org.kemu.schedfair.internal.CpuCgroupFiles;

/** The simulated cgroup v2 cpu controller: groups map to task groups of the fair class. */
final class SimCpuController implements CpuController {
    private final SimKernel k;
    private final SchedCore core;
    private final FairClass fair;
    private final BandwidthPolicy policy;
    private final SimCgroup root;

    SimCpuController(SimKernel k, SchedCore core, BandwidthPolicy policy) {
        this.k = k;
        this.core = core;
        this.fair = core.fair;
        this.policy = policy;
        this.root = new SimCgroup(fair.root, null, fair);
        fair.root.cgroup = root;
    }

    @Override
    public CpuCgroup root() {
        return root;
    }

    private SimCgroup own(CpuCgroup g) {
        if (!(g instanceof SimCgroup s) || s.tg.removed || !s.isIn(root)) {
            throw new KernelException(Errno.ENOENT, "cgroup", "no such cgroup " + g);
        }
        return s;
    }

    @Override
    public CpuCgroup mkdir(CpuCgroup parent, String name) {
        SimCgroup p = own(parent);
        CpuCgroupFiles.checkName(name);
        for (CpuCgroupFiles c : p.childNodes()) {
            KernelException.require(!c.path().endsWith("/" + name), Errno.EEXIST, "cgroup_mkdir:exists",
                    "cgroup " + c.path() + " exists");
        }
        TaskGroup tg = fair.newGroup(p.tg, name);
        SimCgroup g = new SimCgroup(tg, p, fair);
        tg.cgroup = g;
        p.addChild(g);
        return g;
    }

    @Override
    public void rmdir(CpuCgroup group) {
        SimCgroup g = own(group);
        KernelException.require(!g.isRoot(), Errno.EINVAL, "cgroup_rmdir:root", "cannot remove the root cgroup");
        KernelException.require(g.childNodes().isEmpty(), Errno.EBUSY, "cgroup_rmdir:children",
                g.path() + " has child groups");
        KernelException.require(g.tg.tasks.stream().allMatch(t -> t.task.state == TaskState.DEAD), Errno.EBUSY,
                "cgroup_rmdir:tasks", g.path() + " has tasks");
        if (g.tg.bw.periodTimer != null) {
            g.tg.bw.periodTimer.cancel();
        }
        if (g.tg.bw.slackTimer != null) {
            g.tg.bw.slackTimer.cancel();
        }
        g.tg.removed = true;
        g.tg.parent.children.remove(g.tg);
        ((SimCgroup) g.parent()).childNodes().remove(g);
    }

    @Override
    public void attach(Task task, CpuCgroup group) {
        SimCgroup g = own(group);
        SimTask t = simTask(task, "cgroup_attach");
        KernelException.require(t.task.state != TaskState.DEAD, Errno.ESRCH, "cgroup_attach:dead",
                "task " + t + " has exited");
        if (t.tg == g.tg) {
            return;
        }
        t.tg.removeTask(t);
        g.tg.tasks.add(t);
        g.taskList().add(t.task);
        core.moveTask(t, g.tg);
    }

    @Override
    public CpuCgroup cgroupOf(Task task) {
        return simTask(task, "cgroup").tg.cgroup;
    }

    @Override
    public int maxCfsBandwidthCpus(CpuCgroup group) {
        return own(group).maxCfsBandwidthCpus(k.topology().nrCpus());
    }

    /** cpu_cgroup_remote: only fair-class kthreads, never for the root (docs/kernel/sched-fair.md section 3.4). */
    private boolean remoteApplies(SimTask t, SimCgroup g) {
        return policy == BandwidthPolicy.REMOTE_CHARGING && t.kthread && !g.isRoot();
    }

    /**
     * The kthread of a remote begin/charge with its runtime accounted up to now, or null where remote
     * charging does not apply.
     */
    private SimTask remoteTask(Task kthread, SimCgroup g) {
        SimTask t = simTask(kthread, "cgroup_remote");
        if (!remoteApplies(t, g)) {
            return null;
        }
        if (t.task.state == TaskState.RUNNING) {
            core.accountCpu(t.task.cpu);
        }
        return t;
    }

    @Override
    public void remoteBegin(Task kthread, CpuCgroup group) {
        SimTask t = remoteTask(kthread, own(group));
        if (t == null) {
            return;
        }
        t.remoteRuntimeBegin = t.sumExec;
    }

    @Override
    public void remoteCharge(Task kthread, CpuCgroup group) {
        SimCgroup g = own(group);
        SimTask t = remoteTask(kthread, g);
        if (t == null) {
            return;
        }
        long debt = t.sumExec - t.remoteRuntimeBegin;
        t.remoteRuntimeBegin = t.sumExec;
        if (debt <= 0) {
            return;
        }
        fair.bandwidth.incurDebt(g.tg, Math.max(0, t.task.cpu), debt);
    }

    private SimTask simTask(Task task, String check) {
        if (!(task instanceof TaskStruct t) || t.seam != k) {
            throw new KernelException(Errno.ESRCH, check, "not a task of this kernel: " + task);
        }
        return SimTask.of(t);
    }
}
