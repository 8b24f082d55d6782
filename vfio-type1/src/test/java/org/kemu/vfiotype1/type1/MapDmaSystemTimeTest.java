package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kemu.vfiotype1.PageSizes.SZ_2M;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.CpuStat;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.InKernel;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.iommu.IommuDomains;

/**
 * The VFIO_IOMMU_MAP_DMA and UNMAP_DMA ioctls are system time of the qemu thread that issues them
 * (the time of a syscall is booked by account_system_time; only the task's own code before and
 * after is user time; attaching the domain, VFIO_SET_IOMMU, is an ioctl too), so in qemu's cgroup usage_usec = user_usec + system_usec with the ioctl's
 * cost on the system side.
 */
class MapDmaSystemTimeTest {

    @Test
    void mapAndUnmapDmaAreSystemTimeOfTheCaller() {
        Kernel k = InKernel.kernel();
        MmGup sys = MmGup.create(k, MemoryConfig.ofBytesPerNode(16L << 30));
        MmStruct mm = sys.addressSpaces().mmCreate("qemu", Long.MAX_VALUE, false);
        VfioIommu iommu = new VfioIommu(k, sys.physicalMemory(), sys.addressSpaces(),
                new FakeGup(1L << 30, 1L << 30), sys.lockedVm(), null, Type1Params.defaults(),
                PinConfig.serial(), Type1Costs.placeholder(), new IommuDomains());
        CpuController cc = k.cpuController();
        CpuCgroup qemu = cc.mkdir(cc.root(), "qemu");
        long userWorkNs = 3_000_000;
        long[] inIoctl = new long[1];
        k.spawn(TaskSpec.user("qemu", 1), () -> {
            iommu.attachDomain(IommuDomainSpec.vtd("vtd0"));
            k.work(userWorkNs); // qemu's own code: user time
            long before = k.current().sumExecRuntime();
            iommu.mapDma(DmaMapRequest.rw(0, 0, 64 * SZ_2M));
            iommu.unmapDma(DmaUnmapRequest.all());
            inIoctl[0] = k.current().sumExecRuntime() - before;
        }, t -> {
            t.attach(MmStruct.class, mm);
            cc.attach(t, qemu);
        });
        InKernel.runAll(k);
        CpuStat s = qemu.cpuStat();
        assertThat(inIoctl[0]).isPositive();
        assertThat(s.usageUsec()).isEqualTo(s.userUsec() + s.systemUsec());
        // exact up to each field's truncation to microseconds
        assertThat(s.userUsec()).isBetween(userWorkNs / 1000 - 1, userWorkNs / 1000);
        assertThat(s.systemUsec()).isGreaterThanOrEqualTo(inIoctl[0] / 1000);
    }
}
