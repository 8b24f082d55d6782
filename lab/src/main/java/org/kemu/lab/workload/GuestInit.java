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
import org.kemu.lab.QemuCosts;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmGup;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.VmaKind;
import org.kemu.padatacore.PadataFactory;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1ContainerFactory;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.Type1Stats;
import org.kemu.vfiotype1.VfioUapi;

/**
 * qemu guest init (docs/calibration-inputs.md, "The experiment"): qemu's other setup, mmap of guest RAM with the
 * chosen backing, optional {@code -mem-prealloc} by N user threads, open a VFIO type1 container with
 * one IOMMU domain (the bound {@link Type1ContainerFactory}, {@link PinConfig} and
 * {@link IommuDomainSpec}), then one MAP_DMA per RAM section of the machine type in qemu's order
 * ({@link PcMemoryInit}: low RAM, ROMs, RAM below and above 4 GiB), each guest-RAM section in one call
 * or from N threads ({@link GuestSpec#mapDma()}). The "pin" is the largest call, as published
 * (docs/calibration-inputs.md, "The experiment"). Init runs from qemu's start to the end.
 */
public final class GuestInit {
    /** qemu's pid in the emulation. */
    public static final long QEMU_TGID = 1;

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
        int nodes = profile.topology().nodes();
        long nodeBytes = profile.topology().memoryPerNodeBytes();
        long machine = nodes * nodeBytes;
        // refused before boot: a guest the machine cannot hold would only fail deep inside the pin as -ENOMEM
        if (guest.memBytes() > machine) {
            throw new KernelException(Errno.ENOMEM, "guest:mem", bytes(guest.memBytes()) + " guest, " + bytes(machine)
                    + " machine (" + profile.name() + ": " + nodes + " nodes x " + bytes(nodeBytes) + ")");
        }
        MemoryConfig m = MemoryConfig.defaults();
        if (guest.backing() == Backing.HUGETLB) {
            long pages = guest.memBytes() >>> 21;
            long perNode = (pages + nodes - 1) / nodes + 1;
            if (perNode > nodeBytes >>> 21) {
                throw new KernelException(Errno.ENOMEM, "guest:hugetlb-pool", "hugetlb pool of " + perNode
                        + " 2 MiB pages (" + bytes(perNode << 21) + ") per node for a " + bytes(guest.memBytes())
                        + " guest, " + bytes(nodeBytes) + " per node (" + profile.name() + ")");
            }
            m = m.withBootHugepages(perNode, 0);
        }
        return m;
    }

    /** {@code b} in the largest binary unit that holds it exactly: 1 TiB, 768 GiB, 393218 MiB. */
    static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int u = 0;
        while (b != 0 && b % 1024 == 0 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return b + " " + units[u];
    }

    public GuestInitResult run() {
        long wall0 = System.nanoTime();
        Kernel k = lab.kernel();
        AddressSpaces mmOps = lab.get(AddressSpaces.class);
        PhysicalMemory pm = lab.get(PhysicalMemory.class);
        PinConfig pin = lab.get(PinConfig.class);
        IommuDomainSpec domain = lab.get(IommuDomainSpec.class);
        QemuCosts qemu = lab.get(QemuCosts.class);
        MmStruct mm = mmOps.mmCreate("qemu", Long.MAX_VALUE, false);
        org.kemu.mmgup.Vmstat vmstat0 = pm.vmstat();
        long[] t = new long[5];
        long[] pinWall = new long[1];
        Type1Stats[] stats = new Type1Stats[1];
        List<String> violations = new ArrayList<>();
        List<GuestInitResult.MapDmaCall> calls = new ArrayList<>();
        org.kemu.schedfair.MemCgroup[] memcg = new org.kemu.schedfair.MemCgroup[1];
        GuestInitResult.MemcgUsage[] usage = new GuestInitResult.MemcgUsage[1];
        k.spawn(TaskSpec.user("qemu", QEMU_TGID), () -> {
            if (guest.inMemcg()) {
                // qemu started in its own group, as libvirt puts it in machine.slice/... before exec
                memcg[0] = org.kemu.schedfair.MemCgroup.ROOT.child("qemu", guest.memcgMaxPages());
                org.kemu.mmgup.CgroupProcs.write(k.current(), memcg[0]);
            }
            t[0] = k.now();
            k.work(qemu.initFixedNs() + Math.round(qemu.initPerGiBNs() * guest.gib()));
            t[1] = k.now();
            long ram = mmOps.mmap(mm, 0, guest.memBytes(), guest.backing().vmaKind(), true);
            if (guest.preallocThreads() > 0) {
                QemuPrealloc.touchAllPages(k, mmOps, mm, ram, guest.memBytes(), guest.preallocThreads(),
                        guest.backing() == Backing.HUGETLB ? 2L << 20 : MmConstants.PAGE_SIZE);
            }
            t[2] = k.now();
            // open("/dev/vfio/vfio") + SET_IOMMU(type1v2) + attach a group
            Type1Container c = lab.get(Type1ContainerFactory.class).open(k, lab.get(MmGup.class),
                    pin.usesPadata() ? lab.get(PadataFactory.class).forKernel(k) : null, lab.get(Type1Params.class),
                    pin, lab.get(Type1Costs.class));
            c.attachDomain(domain);
            // qemu's own RAM blocks for the ROMs: anonymous memory, not touched before the first reset
            long pcRom = mmOps.mmap(mm, 0, PcMemoryInit.PC_ROM_SIZE, VmaKind.ANON, true);
            long pcBios = mmOps.mmap(mm, 0, PcMemoryInit.BIOS_SIZE, VmaKind.ANON, true);
            List<PcMemoryInit.Section> sections = PcMemoryInit.vfioSections(guest.machine(), guest.memBytes());
            PcMemoryInit.Section largest = PcMemoryInit.largest(sections);
            for (PcMemoryInit.Section sec : sections) {
                long base = switch (sec.block()) {
                    case GUEST_RAM -> ram;
                    case PC_ROM -> pcRom;
                    case PC_BIOS -> pcBios;
                };
                int flags = VfioUapi.DMA_MAP_FLAG_READ | (sec.readOnly() ? 0 : VfioUapi.DMA_MAP_FLAG_WRITE);
                DmaMapRequest req = DmaMapRequest.of(flags, base + sec.offset(), sec.iova(), sec.size());
                Type1Stats before = c.stats();
                long t0 = k.now();
                // real time to emulate the pin: everything the engine does until this call returns
                long callWall0 = System.nanoTime();
                if (guest.mapDma().used() && sec.block() == PcMemoryInit.Block.GUEST_RAM) {
                    // what GET_INFO's iova_pgsizes gives for one domain of this spec
                    guest.mapDma().mapDma(k, c, req, Math.max(MmConstants.PAGE_SIZE, domain.minPageSize()));
                } else {
                    c.mapDma(req);
                }
                long ns = k.now() - t0;
                if (sec == largest) {
                    pinWall[0] = System.nanoTime() - callWall0;
                    t[3] = ns;
                }
                calls.add(GuestInitResult.MapDmaCall.of(sec.name(), sec.iova(), sec.size(), sec.readOnly(),
                        t0 - t[0], ns, before, c.stats()));
            }
            t[4] = k.now();
            stats[0] = c.stats();
            // vfio-type1's ContainerInvariants (IOMMU page table = DMA tree, pins balanced, locked_vm =
            // charges) and mm-gup's own pin accounting
            violations.addAll(c.checkInvariants());
            violations.addAll(MmInvariants.checkPinsBalanced(pm));
            violations.addAll(MmInvariants.checkMemcgCharges(pm, List.of(mm)));
            if (memcg[0] != null) {
                org.kemu.schedfair.MemCgroup cg = memcg[0];
                usage[0] = new GuestInitResult.MemcgUsage(cg.max(), cg.current(), cg.watermark(), cg.failcnt(),
                        mm.pgtablesBytes() >>> MmConstants.PAGE_SHIFT, mm.pgtableCharges().getOrDefault(cg, 0L));
            }
            if (teardown) {
                c.unmapDma(DmaUnmapRequest.all());
                violations.addAll(c.checkInvariants());
                violations.addAll(MmInvariants.checkLockedVm(lab.get(LockedVm.class), mm, 0));
                mmOps.exitMmap(mm);
                violations.addAll(MmInvariants.checkNoPins(pm));
                violations.addAll(MmInvariants.checkMemcgCharges(pm, List.of(mm)));
                if (memcg[0] != null && memcg[0].current() != 0) {
                    violations.add(memcg[0] + " still charged after exit_mmap");
                }
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
        long init = t[4] - t[0];
        long prealloc = t[2] - t[1];
        // everything but prealloc and the largest MAP_DMA: qemu's setup, the container, the other sections
        long other = init - prealloc - t[3];
        return new GuestInitResult(t[3], init, prealloc, other, stats[0], totalWait, waits,
                rs.events(),
                rs.eventHash(), List.copyOf(violations), System.nanoTime() - wall0, pinWall[0], List.copyOf(calls),
                java.util.Arrays.stream(rs.cpuBusyNs()).boxed().toList(),
                GuestInitResult.TlbFlushes.between(vmstat0, pm.vmstat()), usage[0]);
    }
}
