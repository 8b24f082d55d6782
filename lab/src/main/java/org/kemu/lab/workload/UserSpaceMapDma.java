package org.kemu.lab.workload;

import java.util.ArrayList;
import java.util.List;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.Type1Container;

/**
 * The review's user-space alternative (docs/kernel/padata.md section 5.2): qemu maps guest RAM from {@code tasks} user
 * threads of its process (same mm), each issuing MAP_DMA for one slice at the same time (slices
 * aligned to 2 MiB when the size allows, else to the IOMMU's minimum page size), with type1 as it is
 * (the container mutex serialises the pins) or with the driver's outside-mutex variant. Slices that
 * succeeded stay mapped when another fails, as user space would see it; a request the kernel would
 * refuse whole is refused before any slice is issued.
 *
 * @param tasks MAP_DMA threads; 0 = qemu's main thread issues one MAP_DMA
 * @param pinOutsideMutex each slice uses {@link Type1Container#mapDmaPinOutsideMutex}
 */
public record UserSpaceMapDma(int tasks, boolean pinOutsideMutex) {
    /** One MAP_DMA from qemu's main thread. */
    public static final UserSpaceMapDma NONE = new UserSpaceMapDma(0, false);

    public UserSpaceMapDma {
        KernelException.require(tasks >= 0, Errno.EINVAL, "map_dma_from_tasks:n", "tasks must not be negative");
    }

    public boolean used() {
        return tasks > 0;
    }

    /**
     * Maps {@code req} from {@code tasks} tasks of the current process and waits for all of them;
     * rethrows the first error. {@code minPageSize} is the smallest of VFIO_IOMMU_GET_INFO's
     * {@code iova_pgsizes}, which qemu reads when it sets the container up.
     */
    public void mapDma(Kernel k, Type1Container c, DmaMapRequest req, long minPageSize) {
        KernelException.require(tasks >= 1, Errno.EINVAL, "map_dma_from_tasks:n", "need at least one task");
        // vfio_dma_do_map()'s checks of the whole request, so that no slice of a bad one is mapped
        c.checkMapDma(req);
        Task me = k.current();
        MmStruct mm = me.attachment(MmStruct.class);
        long size = req.size();
        long align = Long.compareUnsigned(size, tasks * MmConstants.PMD_SIZE) >= 0
                && Long.remainderUnsigned(size, MmConstants.PMD_SIZE) == 0
                ? MmConstants.PMD_SIZE : Math.max(MmConstants.PAGE_SIZE, minPageSize);
        long per = Long.divideUnsigned(Long.divideUnsigned(size, tasks) + align - 1, align) * align;
        KernelException[] first = new KernelException[1];
        SpinLock errLock = k.spinlock("map_dma_from_tasks.error");
        List<Task> spawned = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            long off = i * per;
            if (Long.compareUnsigned(off, size) >= 0) {
                break;
            }
            long left = size - off;
            DmaMapRequest slice = DmaMapRequest.of(req.flags(), req.vaddr() + off, req.iova() + off,
                    Long.compareUnsigned(per, left) <= 0 ? per : left);
            Task t = k.spawn(TaskSpec.user(me.name() + "-map" + i, me.tgid()), () -> {
                try {
                    if (pinOutsideMutex) {
                        c.mapDmaPinOutsideMutex(slice);
                    } else {
                        c.mapDma(slice);
                    }
                } catch (KernelException e) {
                    errLock.lock();
                    try {
                        if (first[0] == null) {
                            first[0] = e;
                        }
                    } finally {
                        errLock.unlock();
                    }
                }
            }, child -> child.attach(MmStruct.class, mm));
            spawned.add(t);
        }
        for (Task t : spawned) {
            k.join(t);
        }
        if (first[0] != null) {
            throw first[0];
        }
    }
}
