package org.kemu.cli;

import org.kemu.lab.Approach;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.LabConfig;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.PinLocking;
import org.kemu.lab.Profiles;
import org.kemu.lab.QemuMachineType;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options that describe one guest init. */
final class GuestOptions {
    @Mixin
    MachineOptions machine = new MachineOptions();

    @Option(names = "--backing", defaultValue = "hugetlb", description = "hugetlb or thp (default: ${DEFAULT-VALUE})")
    String backing;

    @Option(names = "--mem", defaultValue = "128G", description = "guest RAM, e.g. 16G, 128G (default: ${DEFAULT-VALUE})")
    String mem;

    @Option(names = "--prealloc-threads", defaultValue = "0",
            description = "qemu -mem-prealloc threads, 0 = none (default: ${DEFAULT-VALUE})")
    int preallocThreads;

    @Option(names = "--padata-threads", defaultValue = "16",
            description = "threads of the multithreaded pin, 0 = the unmodified serial kernel (default: ${DEFAULT-VALUE})")
    int padataThreads;

    @Option(names = "--lock-cache-pages", defaultValue = "65536",
            description = "per-thread locked_vm cache of patch 8, 0 = none (default: ${DEFAULT-VALUE})")
    long lockCachePages;

    @Option(names = "--qemu-machine", defaultValue = "pc",
            description = "qemu's machine type, which splits guest RAM into MAP_DMA sections: pc (i440fx, qemu 6.2's"
                    + " default) or q35 (default: ${DEFAULT-VALUE})")
    String qemuMachine;

    @Option(names = "--pin-mode", description = "serial, padata, user-threads, user-threads-unlocked, folio-serial,"
            + " folio-padata (default: serial when --padata-threads is 0, else padata)")
    String pinMode;

    @Option(names = "--pin-locking", defaultValue = "mmap-write", description = "how the pin takes the mmap lock:"
            + " mmap-write (5.14: vfio_lock_acct under the write lock, GUP's read lock per batch), atomic (2018"
            + " ktask v4 07-08/13: atomic locked_vm, no writer) or atomic-read-held (v4 09/13: also the read lock"
            + " held per run) (default: ${DEFAULT-VALUE})")
    String pinLocking;

    @Option(names = "--memcg-max", description = "run qemu in a memory cgroup with this memory.max (a size, or max);"
            + " its faults charge the user pages and the page tables they allocate, a breach fails the pin with ENOMEM"
            + " (default: qemu in the root group, nothing charged)")
    String memcgMax;

    @Option(names = "--helpers-active-memcg", description = "padata helpers run under set_active_memcg(qemu's group),"
            + " so the page tables they allocate count against --memcg-max (the RFC's TODO; off: as 5.14, a"
            + " kthread's page tables charge no group) (default: off)")
    boolean helpersActiveMemcg;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /**
     * Checks the options against each other and the machine before anything runs: a serial pin mode
     * with an explicit --padata-threads would silently drop the threads, and more threads than CPUs
     * only queue on the runqueues.
     */
    private void check() {
        if (pinMode != null && !approach().threaded() && padataThreads > 0
                && mixee.commandLine().getParseResult().hasMatchedOption("--padata-threads")) {
            throw new IllegalArgumentException("--pin-mode " + pinMode + " pins in one thread: it cancels --padata-threads "
                    + padataThreads + " (drop one of them)");
        }
        int cpus = Profiles.load(machine.profile).topology().nrCpus();
        if (padataThreads > cpus) {
            mixee.commandLine().getErr().printf("warning: --padata-threads %d is more threads than the %d CPUs of %s%n",
                    padataThreads, cpus, machine.profile);
        }
    }

    /** The guest, with qemu's MAP_DMA threads when the approach is a user-space one. */
    GuestSpec guest() {
        check();
        return pinMode == null ? baselineGuest() : baselineGuest().withMapDma(approach().userSpaceMapDma(threads()));
    }

    private Approach approach() {
        return Approach.parse(pinMode);
    }

    private int threads() {
        return approach().threaded() ? Math.max(1, padataThreads) : 1;
    }

    PinConfig pin() {
        if (padataThreads < 0) {
            throw new IllegalArgumentException("--padata-threads must not be negative");
        }
        PinConfig p = pinMode == null ? Approach.padataOrSerial(padataThreads, lockCachePages)
                : approach().pinConfig(threads(), approach().threaded() ? lockCachePages : 0);
        return p.withLocking(locking());
    }

    private PinLocking locking() {
        return switch (pinLocking) {
            case "mmap-write" -> PinLocking.MMAP_WRITE_ACCT;
            case "atomic" -> PinLocking.ATOMIC_LOCKED_VM;
            case "atomic-read-held" -> PinLocking.ATOMIC_LOCKED_VM_READ_HELD;
            default -> throw new IllegalArgumentException("--pin-locking must be mmap-write, atomic or atomic-read-held: "
                    + pinLocking);
        };
    }

    LabConfig config() {
        LabConfig c = machine.apply(LabConfig.of(machine.seed, pin()));
        return helpersActiveMemcg ? c.withPadataFeatures(c.padataFeatures().withActiveMemcg(true)) : c;
    }

    /** memory.max in pages (page_counter_memparse rounds down), or GuestSpec.NO_MEMCG. */
    private long memcgMaxPages() {
        if (memcgMax == null) {
            if (helpersActiveMemcg) {
                throw new IllegalArgumentException("--helpers-active-memcg needs --memcg-max: qemu in the root group"
                        + " is charged nothing either way");
            }
            return GuestSpec.NO_MEMCG;
        }
        return memcgMax.trim().equalsIgnoreCase("max") ? org.kemu.schedfair.MemCgroup.MAX
                : Sizes.parse(memcgMax) >>> org.kemu.mmgup.MmConstants.PAGE_SHIFT;
    }

    LabConfig baseline() {
        return machine.apply(LabConfig.of(machine.seed, PinConfig.serial()));
    }

    /** The serial 5.14 base: qemu's one MAP_DMA. */
    GuestSpec baselineGuest() {
        return new GuestSpec(Backing.parse(backing), Sizes.parse(mem), preallocThreads)
                .withMachine(QemuMachineType.parse(qemuMachine)).withMemcgMaxPages(memcgMaxPages());
    }
}
