package org.kemu.lab.pluginhost;

import java.util.random.RandomGenerator;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.Topology;

/** The SPI's task and time services over a kernel: each call is the kernel's own. */
record KernelTasksOf(Kernel k, String pluginName) implements KernelTasks {
    @Override
    public Topology topology() {
        return k.topology();
    }

    @Override
    public CpuMask onlineMask() {
        return k.onlineMask();
    }

    @Override
    public Task current() {
        return k.current();
    }

    @Override
    public long now() {
        return k.now();
    }

    @Override
    public void work(long cpuNs) {
        k.work(cpuNs);
    }

    @Override
    public void work(long cpuNs, int node, long bytes) {
        k.work(cpuNs, node, bytes);
    }

    @Override
    public void condResched() {
        k.condResched();
    }

    @Override
    public Task kthreadCreate(String name, TaskBody body) {
        return k.kthreadCreate(name, body);
    }

    @Override
    public void kthreadBindMask(Task task, CpuMask mask) {
        k.kthreadBindMask(task, mask);
    }

    @Override
    public boolean wakeUpProcess(Task task) {
        return k.wakeUpProcess(task);
    }

    @Override
    public void join(Task task) {
        k.join(task);
    }

    @Override
    public Mutex mutex(String name) {
        return k.mutex(name);
    }

    @Override
    public SpinLock spinlock(String name) {
        return k.spinlock(name);
    }

    @Override
    public AtomicCounter atomic(String name, long initial) {
        return k.atomic(name, initial);
    }

    @Override
    public boolean shouldFail(String site) {
        return FailNth.shouldFail(k, site);
    }

    @Override
    public RandomGenerator random(String component) {
        // the stream the plugin context has always given: seed, plugin name, component
        return k.random("plugin:" + pluginName + ":" + component);
    }
}
