package org.kemu.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.lab.workload.PadataTest;
import org.kemu.lab.workload.StressCpu;
import org.kemu.lab.workload.Usemem;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.padatacore.PadataFactory;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.PinConfig;

class WorkloadsTest {
    private final MachineProfile intel = Profiles.builtIn("intel-8167m");

    @Test
    void padataTestSpreadsPureCpuWorkOverItsThreads() {
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.serial()), MemoryConfig.defaults());
        Kernel k = lab.kernel();
        PadataTest.spawn(k, lab.get(PadataFactory.class).forKernel(k), 8_000, 100_000, 8);
        long end = k.run().endTimeNs();
        // 0.8 s of work on 8 threads of an idle 104-CPU machine: close to 0.1 s, never below it
        assertThat(end).isBetween(100_000_000L, 200_000_000L);
    }

    @Test
    void stressCpuWorkersRunInParallel() {
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.serial()), MemoryConfig.defaults());
        Kernel k = lab.kernel();
        StressCpu.spawn(k, 2, 8, 50_000_000);
        assertThat(k.run().endTimeNs()).isBetween(50_000_000L, 60_000_000L);
    }

    @Test
    void usememFaultsInEveryThreadsMemory() {
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.serial()), MemoryConfig.defaults());
        Kernel k = lab.kernel();
        Usemem.spawn(k, lab.get(AddressSpaces.class), 3, 4, 64L << 20, 4096, true);
        k.run();
        assertThat(lab.get(PhysicalMemory.class).vmstat().thpFaultAlloc()).isEqualTo(4 * 32);
    }
}
