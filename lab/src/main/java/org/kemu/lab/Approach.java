package org.kemu.lab;

import java.util.Locale;
import org.kemu.lab.workload.UserSpaceMapDma;
import org.kemu.mmgup.GupFlavour;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.PinConfig;

/**
 * The approaches to pinning guest RAM that the 2022 review asked to compare, by the names
 * {@code compare}, {@code sweep} and {@code --pin-mode} use. Each is vfio-type1's
 * {@link PinConfig} (how the kernel pins) plus, for the user-space ones, the
 * {@link UserSpaceMapDma} workload (how qemu issues MAP_DMA).
 */
public enum Approach {
    /** 5.14: one task, per-page GUP, locked_vm charged per contiguous run under the mmap write lock. */
    SERIAL(false),
    /** Patch 7: padata threads pin disjoint chunks; with a lock cache, patch 8's per-thread pre-charge. */
    PADATA(true),
    /** User space: N qemu threads each MAP_DMA a slice; the container mutex serialises the pins. */
    USER_THREADS(true),
    /** User space: N threads MAP_DMA slices, pinning and mapping done outside the container mutex. */
    USER_THREADS_UNLOCKED(true),
    /** One task, folio-batched GUP and per-run VFIO accounting (2021-2025 batching). */
    FOLIO_SERIAL(false),
    /** Folio-batched GUP inside padata chunks. */
    FOLIO_PADATA(true);

    private final boolean threaded;

    Approach(boolean threaded) {
        this.threaded = threaded;
    }

    /** Whether the approach takes a thread count (padata threads or user-space MAP_DMA threads). */
    public boolean threaded() {
        return threaded;
    }

    /** The CLI spelling: lower case with dashes. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Approach parse(String s) {
        for (Approach a : values()) {
            if (a.cliName().equals(s) || a.name().equalsIgnoreCase(s)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown pin mode '" + s + "'");
    }

    /** The kernel's pin configuration of this approach with {@code threads} and a lock cache. */
    public PinConfig pinConfig(int threads, long lockCachePages) {
        KernelException.require(threads >= 1, Errno.EINVAL, "pin_config:threads", "threads must be at least 1");
        KernelException.require(lockCachePages >= 0, Errno.EINVAL, "pin_config:lock_cache",
                "lock cache pages must not be negative");
        KernelException.require(threaded || threads == 1, Errno.EINVAL, "pin_config:serial_threads",
                "pin mode " + cliName() + " runs on one thread");
        PinConfig p = switch (this) {
            case SERIAL, USER_THREADS, USER_THREADS_UNLOCKED -> PinConfig.serial();
            case FOLIO_SERIAL -> PinConfig.folioBatched();
            case PADATA -> PinConfig.serial().withPadataThreads(threads);
            case FOLIO_PADATA -> PinConfig.serial().withPadataThreads(threads).withGup(GupFlavour.FOLIO_BATCHED);
        };
        return p.withLockCachePages(lockCachePages);
    }

    /** How qemu issues the MAP_DMA of guest RAM in this approach. */
    public UserSpaceMapDma userSpaceMapDma(int threads) {
        return switch (this) {
            case USER_THREADS -> new UserSpaceMapDma(threads, false);
            case USER_THREADS_UNLOCKED -> new UserSpaceMapDma(threads, true);
            default -> UserSpaceMapDma.NONE;
        };
    }

    /** {@code --padata-threads N} without a pin mode: the unmodified serial kernel for 0, else padata. */
    public static PinConfig padataOrSerial(int threads, long lockCachePages) {
        return threads == 0 ? SERIAL.pinConfig(1, 0) : PADATA.pinConfig(threads, lockCachePages);
    }

    /** The approach a kernel pin configuration and a user-space MAP_DMA make up. */
    public static Approach of(PinConfig pin, UserSpaceMapDma user) {
        if (user.used()) {
            return user.pinOutsideMutex() ? USER_THREADS_UNLOCKED : USER_THREADS;
        }
        boolean folio = pin.folioBatchedRuns();
        if (pin.usesPadata()) {
            return folio ? FOLIO_PADATA : PADATA;
        }
        return folio ? FOLIO_SERIAL : SERIAL;
    }

    /** The thread count reports give: user-space MAP_DMA threads, padata threads, else 1. */
    public static int threads(PinConfig pin, UserSpaceMapDma user) {
        return user.used() ? user.tasks() : Math.max(1, pin.padataThreads());
    }
}
