package org.kemu.lab.workload;

import java.util.ArrayList;
import java.util.List;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * qemu 6.2's {@code -mem-prealloc} ({@code touch_all_pages} / {@code do_touch_pages},
 * util/oslib-posix.c): N user threads of qemu, thread i taking {@code numpages / N} pages, plus one of
 * the {@code numpages % N} left over when {@code i} is below it, contiguous and in order, and doing
 * {@code *(volatile char *)addr = *addr} on each page at the memory's page size: 2 MiB for hugetlbfs,
 * 4 KiB for anonymous (THP) memory. qemu 6.2 has no MADV_POPULATE_WRITE (it came in qemu 7.0), so the
 * read faults first: on THP memory the huge zero page, which the write then splits and copies 4 KiB
 * at a time ({@link AddressSpaces#touchPages}).
 */
final class QemuPrealloc {
    private QemuPrealloc() {
    }

    static void touchAllPages(Kernel k, AddressSpaces mmOps, MmStruct mm, long addr, long len, int threads,
            long hpagesize) {
        long numpages = len / hpagesize;
        long per = numpages / threads;
        long leftover = numpages % threads;
        long va = addr;
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            long n = per + (i < leftover ? 1 : 0);
            long from = va;
            long bytes = n * hpagesize;
            va += bytes;
            Task t = k.spawn(TaskSpec.user("touch_pages#" + i, k.current().tgid()), () -> {
                if (hpagesize == MmConstants.PAGE_SIZE) {
                    mmOps.touchPages(mm, from, bytes);
                    return;
                }
                // hugetlbfs: the read fault maps the shared huge page writable; the write does not fault
                for (long cur = from; cur < from + bytes; cur += hpagesize) {
                    mmOps.populate(mm, cur, hpagesize, true);
                }
            }, child -> child.attach(MmStruct.class, mm));
            tasks.add(t);
        }
        for (Task t : tasks) {
            k.join(t);
        }
    }
}
