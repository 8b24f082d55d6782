package org.kemu.lab;

import java.util.Objects;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * How MAP_DMA of guest RAM pins: one of the approaches {@code compare} lines up, with its threads and
 * lock cache. vfio-type1's own {@link org.kemu.vfiotype1.PinConfig} ({@link #toVfio()}) says how the
 * kernel's pin path runs; this record adds the user-space approaches, which issue MAP_DMA from N tasks.
 *
 * @param mode the approach
 * @param threads padata threads (max_threads of the job) or user-space MAP_DMA threads; 1 for serial modes
 * @param lockCachePages the per-thread locked_vm pre-charge of patch 8 (0 = none)
 */
public record PinConfig(PinMode mode, int threads, long lockCachePages) {
    public PinConfig {
        Objects.requireNonNull(mode, "mode");
        KernelException.require(threads >= 1, Errno.EINVAL, "pin_config:threads", "threads must be at least 1");
        KernelException.require(lockCachePages >= 0, Errno.EINVAL, "pin_config:lock_cache",
                "lock cache pages must not be negative");
        KernelException.require(mode.threaded() || threads == 1, Errno.EINVAL, "pin_config:serial_threads",
                "pin mode " + mode.cliName() + " runs on one thread");
    }

    /** vfio-type1's pin configuration of this approach (the kernel's constants otherwise). */
    public org.kemu.vfiotype1.PinConfig toVfio() {
        var v = switch (mode) {
            case SERIAL, USER_THREADS, USER_THREADS_UNLOCKED -> org.kemu.vfiotype1.PinConfig.serial();
            case FOLIO_SERIAL -> org.kemu.vfiotype1.PinConfig.folioBatched();
            case PADATA -> org.kemu.vfiotype1.PinConfig.of(org.kemu.vfiotype1.PinMode.PADATA)
                    .withPadataThreads(threads);
            case FOLIO_PADATA -> org.kemu.vfiotype1.PinConfig.of(org.kemu.vfiotype1.PinMode.PADATA)
                    .withPadataThreads(threads).withFolioBatchedRuns(true);
        };
        return v.withLockCachePages(lockCachePages);
    }

    /** The unmodified serial 5.14 kernel. */
    public static PinConfig serial() {
        return new PinConfig(PinMode.SERIAL, 1, 0);
    }

    /** {@code --padata-threads N} (0 = serial) with a lock cache. */
    public static PinConfig padata(int threads, long lockCachePages) {
        return threads == 0 ? serial() : new PinConfig(PinMode.PADATA, threads, lockCachePages);
    }
}
