package org.kemu.integrationtests.adversarial;

import java.util.ArrayList;
import java.util.List;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.Backing;
import org.kemu.integrationtests.adversarial.AdversarialMatrix.PinMode;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.padatacore.Padata;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.TaskBody;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.OverflowChecks;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;

/**
 * One emulated machine for an adversarial run: mm-gup over the backing's memory, one qemu process
 * (tgid 1, unlimited RLIMIT_MEMLOCK to start with, no CAP_IPC_LOCK) and a type1v2 container with
 * 5.14's check order ({@link OverflowChecks#LEGACY}), a small {@code dma_entry_limit} so ENOSPC is
 * reached, and the pin mode's pin path. MAP_DMA goes the pin mode's way (one ioctl, or user-space
 * slices from several tasks).
 */
final class Type1World {
    /** {@code dma_entry_limit}: small, so the random sequences reach ENOSPC. */
    static final int DMA_LIMIT = 12;
    /** Every VFIO_IOMMU_GET_INFO capability fits. */
    static final int INFO_ARGSZ = 1 << 16;

    final Kernel k;
    final PinMode mode;
    final Backing backing;
    final MmGup sys;
    final PhysicalMemory pm;
    final AddressSpaces as;
    final MmStruct qemu;
    final Type1Container c;
    final List<IommuDomain> domains = new ArrayList<>();
    /** Free 4 KiB pages at boot: what must be free again once everything is unmapped. */
    final long bootFreePages;

    Type1World(Kernel k, PinMode mode, Backing backing) {
        this(k, mode, backing, null);
    }

    /** With {@code padata} (null: the container's own) and the kernel {@code k} passed to every service. */
    Type1World(Kernel k, PinMode mode, Backing backing, Padata padata) {
        this.k = k;
        this.mode = mode;
        this.backing = backing;
        sys = MmGup.create(k, backing.memory());
        pm = sys.physicalMemory();
        as = sys.addressSpaces();
        qemu = as.mmCreate("qemu", Long.MAX_VALUE, false);
        Type1Params params = Type1Params.defaults().withOverflowChecks(OverflowChecks.LEGACY)
                .withDmaEntryLimit(DMA_LIMIT);
        c = Type1Container.open(k, sys, padata, params, mode.pin(), Type1Costs.FREE);
        bootFreePages = pm.totalFreePages();
    }

    /** Runs {@code body} as qemu's main thread until every task has ended; failures rethrown as thrown. */
    void run(TaskBody body) {
        k.spawn(TaskSpec.user("qemu", 1), body, t -> t.attach(MmStruct.class, qemu));
        MmFixture.runAll(k);
    }

    /** VFIO_IOMMU_MAP_DMA the pin mode's way; in qemu's task. */
    void mapDma(DmaMapRequest r) {
        if (mode.user().used()) {
            // qemu reads the smallest IOMMU page size from VFIO_IOMMU_GET_INFO
            long pgsizes = c.getInfo(INFO_ARGSZ).iovaPgsizes();
            mode.user().mapDma(k, c, r, pgsizes & -pgsizes);
        } else {
            c.mapDma(r);
        }
    }

    /** Attaches one more VT-d-like domain (replaying every mapping into it); in qemu's task. */
    IommuDomain attachDomain() {
        IommuDomain d = c.attachDomain(IommuDomainSpec.vtd("vtd" + domains.size()));
        domains.add(d);
        return d;
    }

    /** Every checker that holds between ioctls, whatever the model says: the container's and mm-gup's. */
    List<String> checkers() {
        List<String> v = new ArrayList<>(c.checkInvariants());
        v.addAll(MmInvariants.checkPinsBalanced(pm));
        v.addAll(MmInvariants.checkLockedVm(sys.lockedVm(), qemu, qemu.lockedVm()));
        v.addAll(MmInvariants.checkMemcgCharges(pm, List.of(qemu)));
        return v;
    }

    /** Free huge pages of the backing's order over all nodes. */
    long freeHugepages() {
        long f = 0;
        for (int n = 0; n < pm.nrNodes(); n++) {
            f += pm.freeHugepages(n, backing.order());
        }
        return f;
    }

    int dmaAvail() {
        return c.getInfo(INFO_ARGSZ).dmaAvail();
    }
}
