package org.kemu.lab.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.PinConfig;
import org.kemu.lab.PinPathAdapter;
import org.kemu.lab.PinStats;
import org.kemu.lab.QemuCosts;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.TaskSpec;

/**
 * qemu guest init (calibration.md, "The experiment"): qemu's other setup, mmap of guest RAM with the
 * chosen backing, optional {@code -mem-prealloc} by N user threads, open a VFIO container, MAP_DMA of
 * qemu's small regions and then of guest RAM (the "pin"). Init runs from qemu's start to the end.
 */
public final class GuestInit {
    /** qemu's pid in the emulation. */
    public static final long QEMU_TGID = 1;
    /** Guest RAM's IOVA: where qemu maps it for a q35 guest below 4 GiB holes aside. */
    static final long RAM_IOVA = 1L << 32;

    private final Lab lab;
    private final GuestSpec guest;
    private boolean teardown;

    public GuestInit(Lab lab, GuestSpec guest) {
        this.lab = lab;
        this.guest = guest;
    }

    /** Also unmaps everything after the init and checks that no pin or charge is left. */
    public GuestInit withTeardown(boolean t) {
        this.teardown = t;
        return this;
    }

    /**
     * Memory for a guest on {@code profile}'s machine: the topology's memory, and with hugetlb a boot
     * pool of 2 MiB pages spread over the nodes that holds the guest and qemu's small regions.
     */
    public static MemoryConfig memoryFor(MachineProfile profile, GuestSpec guest) {
        MemoryConfig m = MemoryConfig.defaults();
        if (guest.backing() == Backing.HUGETLB) {
            int nodes = profile.topology().nodes();
            long pages = guest.memBytes() >>> 21;
            long perNode = Math.min(profile.topology().memoryPerNodeBytes() >>> 21, (pages + nodes - 1) / nodes + 1);
            m = m.withBootHugepages(perNode, 0);
        }
        return m;
    }

    public GuestInitResult run() {
        long wall0 = System.nanoTime();
        Kernel k = lab.kernel();
        AddressSpaces mmOps = lab.get(AddressSpaces.class);
        PhysicalMemory pm = lab.get(PhysicalMemory.class);
        PinPathAdapter vfio = lab.get(PinPathAdapter.class);
        PinConfig pinConfig = lab.get(PinConfig.class);
        QemuCosts qemu = lab.get(QemuCosts.class);
        MmStruct mm = mmOps.mmCreate("qemu", Long.MAX_VALUE, false);
        long[] t = new long[5];
        long[] pinWall = new long[1];
        PinStats[] stats = new PinStats[1];
        List<String> violations = new ArrayList<>();
        k.spawn(TaskSpec.user("qemu", QEMU_TGID), () -> {
            t[0] = k.now();
            k.work(qemu.initFixedNs() + Math.round(qemu.initPerGiBNs() * guest.gib()));
            t[1] = k.now();
            long ram = mmOps.mmap(mm, 0, guest.memBytes(), guest.backing().vmaKind(), true);
            if (guest.preallocThreads() > 0) {
                QemuPrealloc.touchAllPages(k, mmOps, mm, ram, guest.memBytes(), guest.preallocThreads(),
                        guest.backing() == Backing.THP ? qemu.thpPreallocFolioNs() : 0);
            }
            t[2] = k.now();
            PinPathAdapter.VfioContainer c = vfio.open(mm, pinConfig);
            long iova = RAM_IOVA + guest.memBytes();
            for (int i = 0; i < qemu.smallRegions(); i++) {
                long va = mmOps.mmap(mm, 0, qemu.smallRegionBytes(), VmaKind.ANON, true);
                c.mapDmaSerial(va, iova, qemu.smallRegionBytes());
                iova += qemu.smallRegionBytes();
            }
            t[3] = k.now();
            // real time to emulate the pin: everything the engine does until this call returns
            long pinWall0 = System.nanoTime();
            c.mapDma(ram, RAM_IOVA, guest.memBytes());
            pinWall[0] = System.nanoTime() - pinWall0;
            t[4] = k.now();
            stats[0] = c.stats();
            // vfio-type1's ContainerInvariants (IOMMU page table = DMA tree, pins balanced, locked_vm =
            // charges) and mm-gup's own pin accounting
            violations.addAll(c.checkInvariants());
            violations.addAll(MmInvariants.checkPinsBalanced(pm));
            if (teardown) {
                c.unmapAll();
                violations.addAll(c.checkInvariants());
                violations.addAll(MmInvariants.checkLockedVm(lab.get(LockedVm.class), mm, 0));
                mmOps.exitMmap(mm);
                violations.addAll(MmInvariants.checkNoPins(pm));
            }
        }, qemuTask -> qemuTask.attach(MmStruct.class, mm));
        RunStats rs = k.run();
        SortedMap<String, Long> waits = new TreeMap<>();
        long totalWait = 0;
        for (LockStats l : rs.locks()) {
            if (l.totalWaitNs() > 0) {
                waits.merge(l.name(), l.totalWaitNs(), Long::sum);
                totalWait += l.totalWaitNs();
            }
        }
        PinStats s = stats[0];
        PinStats withWaits = new PinStats(s.gupNs(), s.faultClearNs(), s.accountingNs(), s.iommuMapNs(), totalWait,
                s.runs(), s.lockAcctCalls());
        long other = (t[1] - t[0]) + (t[3] - t[2]);
        return new GuestInitResult(t[4] - t[3], t[4] - t[0], t[2] - t[1], other, withWaits, waits, rs.events(),
                rs.eventHash(), List.copyOf(violations), System.nanoTime() - wall0, pinWall[0]);
    }
}
