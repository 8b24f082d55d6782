package org.kemu.lab.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.Profiles;
import org.kemu.lab.QemuMachineType;
import org.kemu.lab.workload.PcMemoryInit.Block;
import org.kemu.lab.workload.PcMemoryInit.Section;
import org.kemu.vfiotype1.PinConfig;

/** The RAM sections qemu 6.2 maps for VFIO, by machine type and guest size. */
class PcMemoryInitTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    /**
     * The below/above-4G split: pc_init1() (hw/i386/pc_piix.c, max-ram-below-4g 3.5 GiB, gigabyte_align
     * lowers it to 3 GiB once RAM reaches 3.5 GiB) and pc_q35_init() (hw/i386/pc_q35.c, 2 GiB once RAM
     * reaches 2.75 GiB, else 2.75 GiB), at and around each threshold.
     */
    @ParameterizedTest
    @CsvSource({
        "pc, 1024, 1024, 0",
        "pc, 3072, 3072, 0",
        "pc, 3328, 3328, 0", // 3.25 GiB: below max-ram-below-4g, no split
        "pc, 3582, 3582, 0", // just below 3.5 GiB: still whole
        "pc, 3584, 3072, 512", // 3.5 GiB: split at 3 GiB
        "pc, 16384, 3072, 13312",
        "pc, 131072, 3072, 128000",
        "q35, 2048, 2048, 0",
        "q35, 2814, 2814, 0", // just below 2.75 GiB: fits below 2.75 GiB
        "q35, 2816, 2048, 768", // 2.75 GiB: split at 2 GiB
        "q35, 16384, 2048, 14336",
        "q35, 1003520, 2048, 1001472"})
    void ramIsSplitAtTheMachineTypesLowmem(String machine, long ramMib, long belowMib, long aboveMib) {
        QemuMachineType t = QemuMachineType.parse(machine);
        assertThat(t.belowFourGBytes(ramMib * MIB)).isEqualTo(belowMib * MIB);
        assertThat(t.aboveFourGBytes(ramMib * MIB)).isEqualTo(aboveMib * MIB);
    }

    /**
     * pc_memory_init() + the chipset's VGA window and PAM (initially routed to PCI: pc.rom, isa-bios)
     * as vfio_listener_region_add() sees the flat view: one MAP_DMA per RAM section, ascending.
     */
    @Test
    void aSixteenGibI440fxGuestIsMappedInSixCalls() {
        List<Section> s = PcMemoryInit.vfioSections(QemuMachineType.I440FX, 16 * GIB);
        assertThat(s).containsExactly(
                new Section("ram-below-4g", 0, 0xa0000, Block.GUEST_RAM, 0, false),
                new Section("pc.rom", 0xc0000, 0x20000, Block.PC_ROM, 0, true),
                new Section("isa-bios", 0xe0000, 0x20000, Block.PC_BIOS, 0x20000, true),
                new Section("ram-below-4g", MIB, 3 * GIB - MIB, Block.GUEST_RAM, MIB, false),
                new Section("pc.bios", 0xfffc0000L, 0x40000, Block.PC_BIOS, 0, true),
                new Section("ram-above-4g", 4 * GIB, 13 * GIB, Block.GUEST_RAM, 3 * GIB, false));
        assertThat(PcMemoryInit.largest(s).name()).isEqualTo("ram-above-4g");
    }

    @Test
    void aGuestBelowTheSplitHasNoAbove4gSectionAndItsLargestCallIsLowRam() {
        List<Section> s = PcMemoryInit.vfioSections(QemuMachineType.Q35, 2 * GIB);
        assertThat(s).extracting(Section::name).containsExactly("ram-below-4g", "pc.rom", "isa-bios", "ram-below-4g",
                "pc.bios");
        assertThat(PcMemoryInit.largest(s)).isEqualTo(
                new Section("ram-below-4g", MIB, 2 * GIB - MIB, Block.GUEST_RAM, MIB, false));
    }

    /** Every size: guest RAM is covered once except the 384 KiB of the VGA window and PAM area, IOVAs ascend and never overlap. */
    @ParameterizedTest
    @CsvSource({"pc, 2", "pc, 3584", "pc, 368640", "q35, 4", "q35, 2816", "q35, 1003520"})
    void sectionsCoverGuestRamButTheLegacyHoleAndDoNotOverlap(String machine, long ramMib) {
        List<Section> s = PcMemoryInit.vfioSections(QemuMachineType.parse(machine), ramMib * MIB);
        long ram = s.stream().filter(x -> x.block() == Block.GUEST_RAM).mapToLong(Section::size).sum();
        assertThat(ram).isEqualTo(ramMib * MIB - (0x100000 - 0xa0000));
        for (int i = 1; i < s.size(); i++) {
            assertThat(s.get(i).iova()).isGreaterThanOrEqualTo(s.get(i - 1).iova() + s.get(i - 1).size());
        }
    }

    /**
     * GuestInit issues exactly these calls, read-only for ROMs, and reports the largest as the pin:
     * the published "pin" (docs/calibration-inputs.md) is the wall time of the largest MAP_DMA.
     */
    @Test
    void guestInitMapsEverySectionAndThePinIsTheLargestCall() {
        GuestSpec g = new GuestSpec(Backing.HUGETLB, 4 * GIB, 0);
        GuestInitResult r = Lab.guestInit(Profiles.builtIn("intel-8167m"), LabConfig.of(1, PinConfig.serial()), g);
        assertThat(r.invariantViolations()).isEmpty();
        List<Section> s = PcMemoryInit.vfioSections(g.machine(), g.memBytes());
        assertThat(r.mapDmaCalls()).extracting(GuestInitResult.MapDmaCall::iova)
                .containsExactlyElementsOf(s.stream().map(Section::iova).toList());
        assertThat(r.mapDmaCalls()).extracting(GuestInitResult.MapDmaCall::readOnly)
                .containsExactlyElementsOf(s.stream().map(Section::readOnly).toList());
        GuestInitResult.MapDmaCall ram = r.mapDmaCalls().get(3);
        assertThat(ram.size()).isEqualTo(3 * GIB - MIB);
        assertThat(ram.pagesPinned()).isEqualTo(ram.size() / 4096);
        assertThat(r.pinNs()).isEqualTo(ram.ns());
        assertThat(r.mapDmaCalls().get(5).size()).isEqualTo(GIB);
        // the pin is one call; init contains it and every other call
        long all = r.mapDmaCalls().stream().mapToLong(GuestInitResult.MapDmaCall::ns).sum();
        assertThat(r.initNs()).isGreaterThanOrEqualTo(all + r.preallocNs());
        assertThat(r.initNs()).isEqualTo(r.pinNs() + r.preallocNs() + r.otherNs());
    }
}
