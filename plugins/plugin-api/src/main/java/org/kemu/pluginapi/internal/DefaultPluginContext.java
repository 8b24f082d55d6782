package org.kemu.pluginapi.internal;

import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmGup;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.pluginapi.KernelServices;
import org.kemu.pluginapi.MetricsSink;
import org.kemu.pluginapi.PluginContext;
import org.kemu.schedfair.Kernel;

/** The context of one plugin run over one kernel's services. */
public final class DefaultPluginContext implements PluginContext {
    private final String pluginName;
    private final KernelServices services;
    private final Padata padata;
    private final MetricsSink metrics = new TreeMetricsSink();
    private long startTimeNs;

    public DefaultPluginContext(String pluginName, KernelServices services) {
        this.pluginName = pluginName;
        this.services = services;
        this.padata = services.padataFactory(services.padataFeatures()).forKernel(services.kernel());
        this.startTimeNs = services.kernel().now();
    }

    @Override
    public String pluginName() {
        return pluginName;
    }

    @Override
    public Kernel kernel() {
        return services.kernel();
    }

    @Override
    public Padata padata() {
        return padata;
    }

    @Override
    public Padata padata(PadataFeatures features) {
        return services.padataFactory(features).forKernel(services.kernel());
    }

    @Override
    public MmGup memory() {
        return services.memory();
    }

    @Override
    public MmCosts mmCosts() {
        return services.mmCosts();
    }

    @Override
    public long startTimeNs() {
        return startTimeNs;
    }

    @Override
    public void restartClock() {
        startTimeNs = services.kernel().now();
    }

    @Override
    public MetricsSink metrics() {
        return metrics;
    }
}
