package org.kemu.mmgup.phys;

/** The 512 blocks of 2 MiB of one 1 GiB block, materialised on first use below 1 GiB granularity. */
final class GigaBlock {
    final byte[] state = new byte[512];
    final SmallBlock[] small = new SmallBlock[512];
    /** Refcount and pin count of order-9 folios (THP or hugetlb), by block; lazily allocated. */
    int[] hugeRef;
    int[] hugePin;

    void ensureHuge() {
        if (hugeRef == null) {
            hugeRef = new int[512];
            hugePin = new int[512];
        }
    }

    long heapBytes() {
        long b = 16 + 16 + 512 + 16 + 4L * 512 + (hugeRef == null ? 0 : 2 * (16 + 4L * 512));
        for (SmallBlock s : small) {
            if (s != null) {
                b += s.heapBytes();
            }
        }
        return b;
    }
}
