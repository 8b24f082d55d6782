package org.kemu.integrationtests.adversarial;

import java.util.ArrayList;
import java.util.List;
import org.kemu.lab.Approach;
import org.kemu.lab.workload.UserSpaceMapDma;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.VmaKind;
import org.kemu.vfiotype1.PinConfig;

/**
 * The matrix the adversarial suites cover: every pin mode of lab's {@link Approach} (serial, padata,
 * folio-batched, folio-batched padata, user-space threads with and without the outside-mutex pin),
 * lock cache off and on, over every backing (anonymous 4 KiB, THP, hugetlb 2 MiB, hugetlb 1 GiB).
 */
final class AdversarialMatrix {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    /** Threads of the threaded modes: padata helpers or user-space MAP_DMA tasks. */
    static final int THREADS = 4;
    /** A small lock cache (pages), so refills and returns happen on test-sized maps. */
    static final long LOCK_CACHE_PAGES = 64;

    private AdversarialMatrix() {
    }

    /** A pin mode: the kernel's pin configuration plus how user space issues MAP_DMA. */
    record PinMode(String label, PinConfig pin, UserSpaceMapDma user) {
        @Override
        public String toString() {
            return label;
        }

        /** Whether several tasks pin (and fault) at once: padata helpers or user-space MAP_DMA threads. */
        boolean concurrentPins() {
            return pin.usesPadata() || user.used();
        }
    }

    /**
     * A backing of guest memory: the VMA kind, how large one mmap of it is, and the memory and
     * hugetlb pool the machine boots with.
     */
    enum Backing {
        ANON_4K(VmaKind.ANON, MmConstants.PAGE_SIZE, 16 * MIB, 0, 0),
        THP(VmaKind.ANON_THP, MmConstants.PAGE_SIZE, 16 * MIB, 0, 0),
        HUGETLB_2M(VmaKind.HUGETLB_2M, MmConstants.PMD_SIZE, 16 * MIB, 96, 0),
        HUGETLB_1G(VmaKind.HUGETLB_1G, MmConstants.PUD_SIZE, GIB, 0, 4);

        final VmaKind kind;
        /** The page size of the mapping: munmap and mmap lengths are multiples of it. */
        final long pageSize;
        /** Largest single mmap of this backing. */
        final long maxRegion;
        final long pool2m;
        final long pool1g;

        Backing(VmaKind kind, long pageSize, long maxRegion, long pool2m, long pool1g) {
            this.kind = kind;
            this.pageSize = pageSize;
            this.maxRegion = maxRegion;
            this.pool2m = pool2m;
            this.pool1g = pool1g;
        }

        /** 1 GiB of ordinary memory plus the pool, on one node. */
        MemoryConfig memory() {
            return MemoryConfig.ofBytesPerNode(GIB + pool2m * MmConstants.PMD_SIZE + pool1g * MmConstants.PUD_SIZE)
                    .withBootHugepages(pool2m, pool1g);
        }

        /** Huge pages of the pool (0 for anonymous memory). */
        long poolPages() {
            return pool2m + pool1g;
        }

        int order() {
            return kind.pageOrder();
        }
    }

    /** Every approach with the lock cache off and on (2 MiB min chunk, so small maps use every helper). */
    static List<PinMode> pinModes() {
        List<PinMode> out = new ArrayList<>();
        for (Approach a : Approach.values()) {
            int threads = a.threaded() ? THREADS : 1;
            for (long cache : new long[] {0, LOCK_CACHE_PAGES}) {
                PinConfig pin = a.pinConfig(threads, cache).withMinChunkBytes(2 * MIB).withBatchCapacity(16);
                out.add(new PinMode(a.cliName() + (cache == 0 ? "" : "+cache"), pin, a.userSpaceMapDma(threads)));
            }
        }
        return out;
    }

    static int cells() {
        return pinModes().size() * Backing.values().length;
    }
}
