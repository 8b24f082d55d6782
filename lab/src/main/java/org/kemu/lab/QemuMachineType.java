package org.kemu.lab;

import java.util.Locale;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * qemu 6.2's x86 machine types, for how they split guest RAM around the 32-bit PCI hole. The split
 * decides how many VFIO MAP_DMA calls qemu makes and how large the largest one (the published "pin")
 * is.
 *
 * <p>The default is {@link #I440FX}: {@code pc} (pc-i440fx-6.2) is what qemu-system-x86_64 6.2 builds
 * when no {@code -machine} is given, and the publication (docs/calibration-inputs.md) names no machine
 * type, so the default is the one that assumes nothing.
 */
public enum QemuMachineType {
    /**
     * {@code pc_init1()} (hw/i386/pc_piix.c): {@code max-ram-below-4g} defaults to 3.5 GiB; a guest at
     * least that large is split at 3 GiB ({@code gigabyte_align}, true for 6.2 machines), a smaller one
     * stays below 4 GiB whole.
     */
    I440FX("pc") {
        @Override
        public long belowFourGBytes(long ramBytes) {
            long lowmem = 0xe0000000L;
            if (ramBytes >= lowmem) {
                lowmem = 0xc0000000L;
            }
            return Math.min(ramBytes, lowmem);
        }
    },
    /**
     * {@code pc_q35_init()} (hw/i386/pc_q35.c): RAM of 2.75 GiB or more is split at 2 GiB (room for the
     * 32-bit PCI hole and the 256 MiB MMCONFIG window), smaller RAM fits below 2.75 GiB;
     * {@code max-ram-below-4g} defaults to 4 GiB and does not clamp.
     */
    Q35("q35") {
        @Override
        public long belowFourGBytes(long ramBytes) {
            long lowmem = ramBytes >= 0xb0000000L ? 0x80000000L : 0xb0000000L;
            return Math.min(ramBytes, lowmem);
        }
    };

    public static final QemuMachineType DEFAULT = I440FX;

    private final String cliName;

    QemuMachineType(String cliName) {
        this.cliName = cliName;
    }

    /** qemu's {@code -machine} name: {@code pc} or {@code q35}. */
    public String cliName() {
        return cliName;
    }

    /** {@code x86ms->below_4g_mem_size}: guest RAM qemu puts at guest-physical 0. */
    public abstract long belowFourGBytes(long ramBytes);

    /** {@code x86ms->above_4g_mem_size}: the rest, at guest-physical 4 GiB. */
    public long aboveFourGBytes(long ramBytes) {
        return ramBytes - belowFourGBytes(ramBytes);
    }

    public static QemuMachineType parse(String s) {
        String n = s.toLowerCase(Locale.ROOT);
        for (QemuMachineType t : values()) {
            if (t.cliName.equals(n) || t.name().toLowerCase(Locale.ROOT).equals(n)) {
                return t;
            }
        }
        throw new KernelException(Errno.EINVAL, "guest:machine", "unknown qemu machine type '" + s + "' (pc or q35)");
    }
}
