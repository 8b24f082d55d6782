package org.kemu.vfiotype1.type1;

import java.util.stream.Stream;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.mmgup.GupFlavour;

/** The pin configurations every behaviour test runs under. */
final class PinModes {
    private PinModes() {
    }

    /**
     * Serial, folio-batched, padata (2 MiB min chunk so small test maps really use 4 threads, and the
     * patch 8 cache), and folio-batched with padata.
     */
    static Stream<PinConfig> all() {
        return Stream.of(PinConfig.serial(), PinConfig.folioBatched(),
                PinConfig.padata(4).withMinChunkBytes(2L << 20),
                PinConfig.serial().withPadataThreads(4).withMinChunkBytes(2L << 20).withGup(GupFlavour.FOLIO_BATCHED));
    }

    /** The three modes with the kernel's constants (padata's 128 MiB min chunk: one thread on small maps). */
    static Stream<PinConfig> kernelDefaults() {
        return Stream.of(PinConfig.serial(), PinConfig.folioBatched(), PinConfig.padata(16));
    }
}
