package org.kemu.lab.pluginhost;

import org.kemu.lab.Lab;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataCosts;
import org.kemu.padatacore.PadataFactory;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.pluginapi.HugetlbPoolView;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.MemoryNodes;
import org.kemu.pluginapi.MetricsSink;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.UserMemory;
import org.kemu.schedfair.Kernel;

/** The context of one plugin run over one booted {@link Lab}: its bindings, seen through the SPI's views. */
final class LabPluginContext implements PluginContext {
    private final String pluginName;
    private final Kernel kernel;
    private final Padata padata;
    private final PadataCosts padataCosts;
    private final KernelTasks tasks;
    private final HugetlbPoolView hugetlb;
    private final MemoryNodes memory;
    private final UserMemory userMemory;
    private final MetricsSink metrics = new TreeMetricsSink();
    private long startTimeNs;

    LabPluginContext(String pluginName, Lab lab) {
        this.pluginName = pluginName;
        this.kernel = lab.kernel();
        // the bound factory, so a PadataFeatures or PadataFactory override reaches plugins too
        this.padata = lab.get(PadataFactory.class).forKernel(kernel);
        this.padataCosts = lab.get(PadataCosts.class);
        PhysicalMemory pm = lab.get(PhysicalMemory.class);
        this.tasks = new KernelTasksOf(kernel, pluginName);
        this.hugetlb = new HugetlbPoolsOf(pm);
        this.memory = new MemoryNodesOf(pm, lab.get(MmCosts.class));
        this.userMemory = new UserMemoryOf(lab.get(AddressSpaces.class), lab.get(Gup.class), lab.get(LockedVm.class),
                pm, lab.get(MmCosts.class));
        this.startTimeNs = kernel.now();
    }

    @Override
    public String pluginName() {
        return pluginName;
    }

    @Override
    public KernelTasks tasks() {
        return tasks;
    }

    @Override
    public Padata padata() {
        return padata;
    }

    @Override
    public Padata padata(PadataFeatures features) {
        // another feature set over the same kernel-wide globals (forKernel keys them by kernel)
        return new DefaultPadataFactory(features, padataCosts).forKernel(kernel);
    }

    @Override
    public HugetlbPoolView hugetlb() {
        return hugetlb;
    }

    @Override
    public MemoryNodes memory() {
        return memory;
    }

    @Override
    public UserMemory userMemory() {
        return userMemory;
    }

    @Override
    public long startTimeNs() {
        return startTimeNs;
    }

    @Override
    public void restartClock() {
        startTimeNs = kernel.now();
    }

    @Override
    public MetricsSink metrics() {
        return metrics;
    }
}
