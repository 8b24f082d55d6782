package org.kemu.lab;

import java.util.Objects;
import org.kemu.schedfair.BandwidthPolicy;
import org.kemu.schedfair.PickPolicy;
import org.kemu.vfiotype1.PinConfig;

/**
 * Run-level choices of an emulated kernel that are not machine facts.
 *
 * @param seed the run's seed
 * @param pickPolicy the fair class's pick rule
 * @param bandwidthPolicy the cpu controller's bandwidth policy
 * @param pin how the kernel's MAP_DMA pins (threads, lock cache, GUP flavour); how qemu issues MAP_DMA
 *     is the guest's ({@link GuestSpec#mapDma()})
 */
public record LabConfig(long seed, PickPolicy pickPolicy, BandwidthPolicy bandwidthPolicy, PinConfig pin) {
    public LabConfig {
        Objects.requireNonNull(pickPolicy, "pickPolicy");
        Objects.requireNonNull(bandwidthPolicy, "bandwidthPolicy");
        Objects.requireNonNull(pin, "pin");
    }

    public static LabConfig of(long seed, PinConfig pin) {
        return new LabConfig(seed, PickPolicy.CFS, BandwidthPolicy.STANDARD, pin);
    }
}
