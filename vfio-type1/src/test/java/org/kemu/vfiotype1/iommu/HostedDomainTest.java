package org.kemu.vfiotype1.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kemu.vfiotype1.PageSizes.SZ_2M;
import static org.kemu.vfiotype1.PageSizes.SZ_4K;

import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DomainLockKind;
import org.kemu.vfiotype1.IommuCosts;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuProt;

/** The same domain code on real threads: concurrent maps and unmaps of disjoint ranges stay consistent. */
class HostedDomainTest {

    @Test
    void concurrentMapUnmapOnHostedBackend() {
        // SPINLOCK is left out: with more spinning tasks than real cores, the hosted watchdog can take
        // a waiter that holds the next ticket but is not yet scheduled for a deadlock (seen once).
        for (DomainLockKind lock : new DomainLockKind[] {DomainLockKind.NONE, DomainLockKind.MUTEX}) {
            Kernel k = Kernels.hosted(KernelConfig.of(MachineSpec.simple(4), 1));
            IommuDomainFactory factory = new IommuDomains();
            IommuDomain d = factory.allocate(k, IommuDomainSpec.vtd("h").withLock(lock)
                    .withCosts(IommuCosts.simple()));
            for (int t = 0; t < 4; t++) {
                long base = (long) t << 32;
                k.spawn(TaskSpec.kthread("t" + t), () -> {
                    for (int i = 0; i < 200; i++) {
                        long iova = base + i * 2 * SZ_2M;
                        d.map(iova + SZ_4K, iova + SZ_4K, SZ_2M, IommuProt.RW);
                        if (i % 2 == 0) {
                            assertThat(d.unmap(iova + SZ_4K, SZ_2M)).isEqualTo(SZ_2M);
                        }
                    }
                });
            }
            k.run();
            assertThat(d.mappedPtes(SZ_4K)).as("lock %s", lock).isEqualTo(4L * 100 * 512);
            assertThat(d.stats().ptesWritten() - d.stats().ptesCleared()).isEqualTo(4L * 100 * 512);
        }
    }
}
