package org.kemu.schedfair.hosted;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.CpuStat;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskState;
import org.kemu.schedfair.internal.CpuCgroupFiles;
import org.kemu.schedfair.internal.TaskStruct;

/**
 * The hosted backend's cpu controller. It keeps the hierarchy, the interface files with all their
 * checks, task placement and usage from the host's thread CPU time, but cannot enforce weights or
 * bandwidth on real threads: nr_periods and the other bandwidth counters stay 0, and remote
 * charging only keeps the debt figure. Bandwidth behaviour is studied on the simulated backend.
 */
final class HostedCpuController implements CpuController {
    private final int nrCpus;
    private final HostedCgroup root;
    private final Map<Task, HostedCgroup> placement = new ConcurrentHashMap<>();

    HostedCpuController(int nrCpus, KernelVersion version) {
        this.nrCpus = nrCpus;
        this.root = new HostedCgroup("/", null, version);
    }

    private static final class HostedCgroup extends CpuCgroupFiles {
        final List<Task> everAttached = new ArrayList<>();
        long debtNs;

        HostedCgroup(String path, HostedCgroup parent, KernelVersion version) {
            super(path, parent, version);
        }

        @Override
        protected void applyBandwidth(long quota, long period, long burst) {
            debtNs = 0;
        }

        @Override
        protected void applyShares(long shares) {
        }

        @Override
        protected void applyIdle(boolean idle) {
        }

        @Override
        public synchronized CpuStat cpuStat() {
            long[] ns = new long[4];
            sum(this, ns);
            return new CpuStat(ns[0] / 1000, ns[1] / 1000, ns[2] / 1000, ns[3] / 1000, 0, 0, 0, 0, 0);
        }

        /**
         * usage, user, system and nice ns of the subtree: a user task's system time is what its
         * kernel entries measured (plus the open one); the rest is user time, nice time when the
         * task's nice is now above 0 (the host samples no per-tick nice, so a reniced task's whole
         * user time follows its current nice).
         */
        private static void sum(HostedCgroup g, long[] ns) {
            for (Task t : g.everAttached) {
                long v = t.sumExecRuntime();
                ns[0] += v;
                if (t.isKthread()) {
                    ns[2] += v;
                    continue;
                }
                TaskStruct ts = (TaskStruct) t;
                long sys = ts.systemNs + (ts.kernelDepth > 0 ? Math.max(0, v - ts.kernelEnteredAtNs) : 0);
                sys = Math.min(sys, v);
                ns[2] += sys;
                ns[1] += v - sys;
                if (t.nice() > 0) {
                    ns[3] += v - sys;
                }
            }
            ns[0] += g.debtNs;
            ns[2] += g.debtNs;
            for (CpuCgroupFiles c : g.childNodes()) {
                sum((HostedCgroup) c, ns);
            }
        }
    }

    @Override
    public CpuCgroup root() {
        return root;
    }

    private HostedCgroup own(CpuCgroup g) {
        if (!(g instanceof HostedCgroup h) || !h.isIn(root)) {
            throw new KernelException(Errno.ENOENT, "cgroup", "no such cgroup " + g);
        }
        return h;
    }

    @Override
    public synchronized CpuCgroup mkdir(CpuCgroup parent, String name) {
        HostedCgroup p = own(parent);
        CpuCgroupFiles.checkName(name);
        String path = p.isRoot() ? "/" + name : p.path() + "/" + name;
        for (CpuCgroupFiles c : p.childNodes()) {
            KernelException.require(!c.path().equals(path), Errno.EEXIST, "cgroup_mkdir:exists",
                    "cgroup " + path + " exists");
        }
        HostedCgroup g = new HostedCgroup(path, p, p.version());
        p.addChild(g);
        return g;
    }

    @Override
    public synchronized void rmdir(CpuCgroup group) {
        HostedCgroup g = own(group);
        KernelException.require(!g.isRoot(), Errno.EINVAL, "cgroup_rmdir:root", "cannot remove the root cgroup");
        KernelException.require(g.childNodes().isEmpty(), Errno.EBUSY, "cgroup_rmdir:children",
                g.path() + " has child groups");
        KernelException.require(g.taskList().stream().allMatch(t -> t.state() == TaskState.DEAD), Errno.EBUSY,
                "cgroup_rmdir:tasks", g.path() + " has tasks");
        ((HostedCgroup) g.parent()).childNodes().remove(g);
    }

    @Override
    public synchronized void attach(Task task, CpuCgroup group) {
        HostedCgroup g = own(group);
        KernelException.require(task.state() != TaskState.DEAD, Errno.ESRCH, "cgroup_attach:dead",
                "task " + task + " has exited");
        HostedCgroup old = placement.getOrDefault(task, root);
        old.taskList().remove(task);
        g.taskList().add(task);
        if (!g.everAttached.contains(task)) {
            g.everAttached.add(task);
        }
        placement.put(task, g);
    }

    @Override
    public CpuCgroup cgroupOf(Task task) {
        return placement.getOrDefault(task, root);
    }

    @Override
    public int maxCfsBandwidthCpus(CpuCgroup group) {
        return own(group).maxCfsBandwidthCpus(nrCpus);
    }

    private final Map<Task, Long> remoteBegin = new ConcurrentHashMap<>();

    @Override
    public void remoteBegin(Task kthread, CpuCgroup group) {
        if (kthread.isKthread() && !own(group).isRoot()) {
            remoteBegin.put(kthread, kthread.sumExecRuntime());
        }
    }

    @Override
    public synchronized void remoteCharge(Task kthread, CpuCgroup group) {
        HostedCgroup g = own(group);
        if (!kthread.isKthread() || g.isRoot()) {
            return;
        }
        long now = kthread.sumExecRuntime();
        long debt = now - remoteBegin.getOrDefault(kthread, now);
        remoteBegin.put(kthread, now);
        if (debt > 0) {
            g.debtNs += debt;
        }
    }
}
