package org.kemu.lab;

import org.kemu.mmgup.GupFlavour;
import java.util.Locale;
import org.kemu.mmgup.MmGup;

/**
 * How the guest's RAM is pinned and mapped: the approaches the 2022 review asked to compare, by the
 * names {@code compare}, {@code sweep} and {@code --pin-mode} use. Each maps onto vfio-type1's pin
 * path ({@link PinConfig#toVfio()}) plus, for the user-space ones, MAP_DMA from N tasks
 * ({@link org.kemu.vfiotype1.UserMapMode}).
 */
public enum PinMode {
    /** 5.14: one task, per-page GUP, locked_vm charged per contiguous run under the mmap write lock. */
    SERIAL(false, GupFlavour.PER_PAGE),
    /** Patch 7: padata threads pin disjoint chunks; with a lock cache, patch 8's per-thread pre-charge. */
    PADATA(true, GupFlavour.PER_PAGE),
    /** User space: N qemu threads each MAP_DMA a slice; the container mutex serialises the pins. */
    USER_THREADS(true, GupFlavour.PER_PAGE),
    /** User space: N threads MAP_DMA slices, pinning and mapping done outside the container mutex. */
    USER_THREADS_UNLOCKED(true, GupFlavour.PER_PAGE),
    /** One task, folio-batched GUP and per-run VFIO accounting (2021-2025 batching). */
    FOLIO_SERIAL(false, GupFlavour.FOLIO_BATCHED),
    /** Folio-batched GUP inside padata chunks. */
    FOLIO_PADATA(true, GupFlavour.FOLIO_BATCHED);

    private final boolean threaded;
    private final GupFlavour gupImpl;

    PinMode(boolean threaded, GupFlavour gupImpl) {
        this.threaded = threaded;
        this.gupImpl = gupImpl;
    }

    public boolean threaded() {
        return threaded;
    }

    public GupFlavour gupImpl() {
        return gupImpl;
    }

    public boolean folioBatched() {
        return gupImpl == GupFlavour.FOLIO_BATCHED;
    }

    /** The CLI spelling: lower case with dashes. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static PinMode parse(String s) {
        for (PinMode m : values()) {
            if (m.cliName().equals(s) || m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown pin mode '" + s + "'");
    }
}
