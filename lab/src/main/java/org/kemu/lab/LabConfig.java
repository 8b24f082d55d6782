package org.kemu.lab;

import java.util.Objects;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.schedfair.BandwidthPolicy;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.ThrottleModel;
import org.kemu.vfiotype1.PinConfig;

/**
 * The run configuration of one emulated kernel: every choice that is not a machine fact. The lab's
 * root binds each part on its own ({@link LabModule}); {@link Lab#config()} reports the parts in
 * effect, so an override of one binding shows here.
 *
 * @param seed the run's seed
 * @param kernelVersion the release whose version-dependent behaviour the run follows (5.14 by
 *     default); it supplies the pick rule, the throttle model and vfio-type1's check generation
 *     unless those are overridden
 * @param pickPolicy the fair class's pick rule
 * @param throttleModel how bandwidth control throttles (the 5.14 cfs_rq model, or task-based)
 * @param bandwidthPolicy the cpu controller's bandwidth policy (standard, or with remote charging)
 * @param padataFeatures which parts of the 2022 padata series are on
 * @param pin how the kernel's MAP_DMA pins (threads, lock cache, GUP flavour); how qemu issues MAP_DMA
 *     is the guest's ({@link GuestSpec#mapDma()})
 * @param limits the virtual and wall time limits of each kernel run (they change no result, they
 *     only stop a run that takes too long)
 */
public record LabConfig(long seed, KernelVersion kernelVersion, PickPolicy pickPolicy, ThrottleModel throttleModel,
        BandwidthPolicy bandwidthPolicy, PadataFeatures padataFeatures, PinConfig pin, RunLimits limits) {
    public LabConfig {
        Objects.requireNonNull(kernelVersion, "kernelVersion");
        Objects.requireNonNull(pickPolicy, "pickPolicy");
        Objects.requireNonNull(throttleModel, "throttleModel");
        Objects.requireNonNull(bandwidthPolicy, "bandwidthPolicy");
        Objects.requireNonNull(padataFeatures, "padataFeatures");
        Objects.requireNonNull(pin, "pin");
        Objects.requireNonNull(limits, "limits");
    }

    /** A configuration with the default run limits ({@link RunLimits#defaults()}). */
    public LabConfig(long seed, KernelVersion kernelVersion, PickPolicy pickPolicy, ThrottleModel throttleModel,
            BandwidthPolicy bandwidthPolicy, PadataFeatures padataFeatures, PinConfig pin) {
        this(seed, kernelVersion, pickPolicy, throttleModel, bandwidthPolicy, padataFeatures, pin, RunLimits.defaults());
    }

    /**
     * The defaults every boot path shares (CLI, researcher API, plugin runs, the test kit): Linux 5.14
     * with its CFS pick and cfs_rq throttling, standard bandwidth, and the 2022 padata series
     * (patches 2-14) that kemu exists to evaluate, with {@code pin}, and the default run limits.
     */
    public static LabConfig of(long seed, PinConfig pin) {
        KernelVersion v = KernelVersion.DEFAULT;
        return new LabConfig(seed, v, v.pickPolicy(), v.throttleModel(), BandwidthPolicy.STANDARD,
                PadataFeatures.rfc2022(), pin, RunLimits.defaults());
    }

    /** The defaults with the serial 5.14 pin path (runs that do no MAP_DMA, such as plugin jobs). */
    public static LabConfig defaults(long seed) {
        return of(seed, PinConfig.serial());
    }

    /**
     * Another release, with its pick rule and throttle model (so apply {@link #withPickPolicy} /
     * {@link #withThrottleModel} overrides after this).
     */
    public LabConfig withKernelVersion(KernelVersion v) {
        return new LabConfig(seed, v, v.pickPolicy(), v.throttleModel(), bandwidthPolicy, padataFeatures, pin, limits);
    }

    public LabConfig withPickPolicy(PickPolicy p) {
        return new LabConfig(seed, kernelVersion, p, throttleModel, bandwidthPolicy, padataFeatures, pin, limits);
    }

    public LabConfig withThrottleModel(ThrottleModel t) {
        return new LabConfig(seed, kernelVersion, pickPolicy, t, bandwidthPolicy, padataFeatures, pin, limits);
    }

    public LabConfig withBandwidthPolicy(BandwidthPolicy b) {
        return new LabConfig(seed, kernelVersion, pickPolicy, throttleModel, b, padataFeatures, pin, limits);
    }

    public LabConfig withPadataFeatures(PadataFeatures f) {
        return new LabConfig(seed, kernelVersion, pickPolicy, throttleModel, bandwidthPolicy, f, pin, limits);
    }

    public LabConfig withPin(PinConfig p) {
        return new LabConfig(seed, kernelVersion, pickPolicy, throttleModel, bandwidthPolicy, padataFeatures, p, limits);
    }

    public LabConfig withLimits(RunLimits l) {
        return new LabConfig(seed, kernelVersion, pickPolicy, throttleModel, bandwidthPolicy, padataFeatures, pin, l);
    }
}
