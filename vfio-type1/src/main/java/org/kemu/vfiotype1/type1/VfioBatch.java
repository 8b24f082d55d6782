package org.kemu.vfiotype1.type1;

import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;

/**
 * {@code struct vfio_batch} (docs/kernel/vfio-gup.md section 1.2): a page of page pointers (here pfns) filled by one
 * GUP call; {@code offset} is the next entry and {@code size} the entries left, which carry over to
 * the next {@code vfio_pin_pages_remote()} call.
 */
final class VfioBatch {
    /** fail-nth point at {@code __get_free_page()} in {@code vfio_batch_init()}: not fatal, one-entry batch. */
    static final String FAIL_BATCH_INIT = "vfio_batch_init:__get_free_page";

    final long[] pages;
    final int capacity;
    int size;
    int offset;

    private VfioBatch(int capacity) {
        this.capacity = capacity;
        this.pages = new long[capacity];
    }

    /**
     * {@code vfio_batch_init()}: a full batch unless {@code disable_hugepages}; when the page cannot
     * be allocated the kernel falls back to the one-entry {@code fallback_page}.
     */
    static VfioBatch init(Kernel kernel, long batchInitNs, boolean disableHugepages, int capacity) {
        kernel.work(batchInitNs);
        if (disableHugepages) {
            return new VfioBatch(1);
        }
        if (FailNth.shouldFail(kernel, FAIL_BATCH_INIT)) {
            return new VfioBatch(1);
        }
        return new VfioBatch(capacity);
    }

    long current() {
        return pages[offset];
    }

    /** {@code num_pages_contiguous()}: entries from offset whose pfns are +1 apart (x86-64 has VMEMMAP). */
    int numPagesContiguous() {
        int n = 1;
        long first = pages[offset];
        while (n < size && pages[offset + n] == first + n) {
            n++;
        }
        return n;
    }

    void consume(int n) {
        offset += n;
        size -= n;
    }
}
