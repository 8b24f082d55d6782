package org.kemu.lab.workload;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.kemu.lab.QemuMachineType;

/**
 * The RAM sections of a qemu 6.2 x86 guest as VFIO's memory listener sees them when the container
 * is connected (device realize, before the first reset): {@code pc_memory_init()} (hw/i386/pc.c)
 * aliases guest RAM as {@code ram-below-4g} at guest-physical 0 and {@code ram-above-4g} at 4 GiB,
 * and maps the ROMs; the chipset (i440FX or Q35 MCH) overlays the legacy VGA window
 * {@code 0xa0000-0xbffff} (MMIO, not RAM) and routes {@code 0xc0000-0xfffff} through the PAM
 * registers, which start out forwarding to PCI space, where {@code pc.rom} and {@code isa-bios} sit.
 * {@code vfio_listener_region_add()} (hw/vfio/common.c) skips what is not RAM and issues one
 * MAP_DMA per RAM section, read-only for ROMs, in the flat view's ascending address order (the
 * listener is registered after the machine is built, so the flat view is replayed in order).
 */
public final class PcMemoryInit {
    /** Legacy VGA window start: below it the first 640 KiB of RAM. */
    static final long VGA_START = 0xa0000L;
    /** {@code PC_ROM_MIN_VGA}: {@code pc.rom}, the option ROM area. */
    static final long PC_ROM_START = 0xc0000L;
    /** {@code PC_ROM_SIZE} = {@code PC_ROM_MAX - PC_ROM_MIN_VGA} = 0xe0000 - 0xc0000. */
    static final long PC_ROM_SIZE = 0x20000L;
    /** qemu 6.2's default x86 firmware, SeaBIOS {@code bios-256k.bin}. */
    static final long BIOS_SIZE = 256L << 10;
    /** {@code x86_bios_rom_init()}: the last min(bios size, 128 KiB) of the BIOS, aliased below 1 MiB. */
    static final long ISA_BIOS_SIZE = Math.min(BIOS_SIZE, 128L << 10);
    static final long ONE_MIB = 1L << 20;
    static final long FOUR_GIB = 1L << 32;

    /** Where a section's host memory comes from. */
    public enum Block {
        /** guest RAM ({@code pc.ram}, the memory backend): offset into it */
        GUEST_RAM,
        /** {@code pc.rom}: qemu's own anonymous RAM block */
        PC_ROM,
        /** {@code pc.bios}: qemu's own anonymous RAM block; {@code isa-bios} aliases its tail */
        PC_BIOS
    }

    /**
     * One MAP_DMA that qemu issues.
     *
     * @param name the memory region's name in qemu
     * @param iova guest-physical address, which qemu uses as the IOVA
     * @param size bytes
     * @param block whose host memory backs it
     * @param offset offset into that block
     * @param readOnly mapped without {@code VFIO_DMA_MAP_FLAG_WRITE} (ROMs)
     */
    public record Section(String name, long iova, long size, Block block, long offset, boolean readOnly) {
    }

    private PcMemoryInit() {
    }

    /** The sections in the order qemu maps them (ascending IOVA). */
    public static List<Section> vfioSections(QemuMachineType machine, long ramBytes) {
        long below = machine.belowFourGBytes(ramBytes);
        long above = machine.aboveFourGBytes(ramBytes);
        List<Section> s = new ArrayList<>();
        s.add(new Section("ram-below-4g", 0, Math.min(below, VGA_START), Block.GUEST_RAM, 0, false));
        s.add(new Section("pc.rom", PC_ROM_START, PC_ROM_SIZE, Block.PC_ROM, 0, true));
        s.add(new Section("isa-bios", ONE_MIB - ISA_BIOS_SIZE, ISA_BIOS_SIZE, Block.PC_BIOS, BIOS_SIZE - ISA_BIOS_SIZE,
                true));
        if (below > ONE_MIB) {
            s.add(new Section("ram-below-4g", ONE_MIB, below - ONE_MIB, Block.GUEST_RAM, ONE_MIB, false));
        }
        s.add(new Section("pc.bios", FOUR_GIB - BIOS_SIZE, BIOS_SIZE, Block.PC_BIOS, 0, true));
        if (above > 0) {
            s.add(new Section("ram-above-4g", FOUR_GIB, above, Block.GUEST_RAM, below, false));
        }
        s.sort(Comparator.comparingLong(Section::iova));
        return List.copyOf(s);
    }

    /** The largest section: the published "pin" is this one call. */
    public static Section largest(List<Section> sections) {
        Section best = sections.get(0);
        for (Section x : sections) {
            if (x.size() > best.size()) {
                best = x;
            }
        }
        return best;
    }

    /** Bytes of the largest guest-RAM MAP_DMA of a guest of {@code ramBytes}. */
    public static long largestBytes(QemuMachineType machine, long ramBytes) {
        return largest(vfioSections(machine, ramBytes)).size();
    }
}
