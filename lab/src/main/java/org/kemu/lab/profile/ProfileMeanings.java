package org.kemu.lab.profile;

import java.util.Map;
import java.util.TreeMap;

/**
 * What each machine-profile constant means, keyed "group.parameter" as in the profile files and
 * {@link org.kemu.lab.MachineProfile#sources()}: the text docs/calibration.md shows beside each
 * constant's value and source. A constant added to a cost record needs its line here
 * (ProfileMeaningsTest checks that every constant of the built-in profiles has one).
 */
public final class ProfileMeanings {
    private static final Map<String, String> MEANINGS = new TreeMap<>();

    static {
        m("topology.nodes", "NUMA nodes");
        m("topology.coresPerNode", "physical cores per node");
        m("topology.threadsPerCore", "SMT threads per core");
        m("topology.memoryPerNodeBytes", "memory per node");
        m("topology.coresPerLlc", "physical cores sharing one last-level cache (the MC sched domain)");
        m("bandwidth.nodeBytesPerSec", "memory bandwidth of one node, shared by the tasks streaming through it");
        m("bandwidth.perCoreBytesPerSec", "memory bandwidth one core reaches alone (the per-core ceiling)");
        m("runtime.contextSwitchNs", "CPU time a CPU spends switching to another task (charged to neither)");
        m("runtime.lockAcquireNs", "CPU time of an uncontended lock acquisition");
        m("runtime.cacheLineTransferNs", "moving a contended cache line (lock word, atomic) between CPUs of a node");
        m("runtime.remoteCacheLineTransferNs", "moving a contended cache line between nodes");
        m("runtime.kthreadCreateNs", "CPU time the creating task spends in kthread_create");
        m("mm.faultNs", "a 4 KiB anonymous fault: entry, VMA lookup, PTE install (no allocation, no clearing)");
        m("mm.hugeFaultNs", "a PMD/PUD-level fault of a THP or hugetlb folio (no allocation, no clearing)");
        m("mm.allocPageNs", "page allocator per 4 KiB page (zone lock, amortised pcp refill)");
        m("mm.allocFolioNs", "page allocator per large folio");
        m("mm.clearPageNs", "CPU part of clearing 4 KiB (clear_page_erms); the bytes also stream through memory");
        m("mm.ptlInstallPageNs", "per PTE installed under the split page-table lock");
        m("mm.zapPageNs", "munmap per 4 KiB page mapping torn down");
        m("mm.zapFolioNs", "munmap per large folio mapping torn down (one PMD/PUD)");
        m("mm.migratePageNs", "long-term pin migration per 4 KiB page (isolate, unmap, remap; copy streams)");
        m("mm.hugetlbPoolAllocNs", "growing a hugetlb pool, per folio taken from the buddy allocator");
        m("gup.callNs", "fixed cost of one pin/get call (argument checks, VMA lookup, lru_add_drain)");
        m("gup.pageNs", "per 4 KiB page walked and grabbed by the per-page GUP (follow_page_mask + grab)");
        m("gup.folioNs", "per folio run walked and grabbed by the folio-batched GUP");
        m("gup.pageArrayNs", "per 4 KiB page written to the caller's page array");
        m("gup.unpinPageNs", "one release by the 5.14 implementation (put_compound_head): per folio run in unpin_user_pages*, per 4 KiB page for page-by-page callers (5.14 vfio put_pfn)");
        m("gup.unpinFolioNs", "one release (per folio run) by the folio-batched implementation");
        m("gup.thpPageNs", "extra per 4 KiB page of an anonymous THP walked by the per-page GUP (5.14 walks THP per page)");
        m("padata.jobInitNs", "padata job set-up by the main task (lock, completion, lockdep map, cgroup ref)");
        m("padata.workAllocNs", "per work item taken from the pool under padata_works_lock");
        m("padata.helperStartNs", "per kthread helper after creation: binding, renicing, waking it");
        m("padata.queueWorkNs", "per helper in the workqueue model: queue_work[_node]");
        m("padata.chunkClaimNs", "per chunk under the job's spinlock: computing it, advancing the cursor");
        m("padata.undoPerFailedWorkNs", "per failed work sorted and walked by padata_undo");
        m("iommu.mapCallNs", "fixed cost of one iommu_map() (core and driver entry, table walk start)");
        m("iommu.unmapCallNs", "fixed cost of one iommu_unmap()/iommu_unmap_fast()");
        m("iommu.mapPte4KNs", "writing one 4 KiB IOMMU leaf");
        m("iommu.mapPte2MNs", "writing one 2 MiB IOMMU leaf");
        m("iommu.mapPte1GNs", "writing one 1 GiB IOMMU leaf");
        m("iommu.unmapPte4KNs", "clearing one 4 KiB IOMMU leaf");
        m("iommu.unmapPte2MNs", "clearing one 2 MiB IOMMU leaf");
        m("iommu.unmapPte1GNs", "clearing one 1 GiB IOMMU leaf");
        m("iommu.iotlbSyncMapNs", "the driver's iotlb_sync_map after a successful map (0 where the driver has none)");
        m("iommu.iotlbFlushNs", "one iommu_iotlb_sync() of a non-empty gather (IOTLB invalidation)");
        m("vfio.vfioDmaAllocNs", "kzalloc and init of a struct vfio_dma, and linking it");
        m("vfio.batchInitNs", "vfio_batch_init(): one page for the batch's page array");
        m("vfio.batchRefillNs", "one vaddr_get_pfns() call around GUP (lock, batch bookkeeping)");
        m("vfio.runNs", "one vfio_pin_pages_remote() call (per physically contiguous run)");
        m("vfio.pinPageNs", "5.14's per-page step of vfio_pin_pages_remote() (pfn compare, reserved check, vpfn lookup)");
        m("vfio.contigStepNs", "one num_pages_contiguous() step of the folio-batched form");
        m("vfio.contigScanPageNs", "per page scanned by num_pages_contiguous()");
        m("vfio.lockAcctNs", "one vfio_lock_acct() body while holding the mmap write lock");
        m("vfio.unpinCallNs", "one vfio_unpin_pages_remote() call");
        m("vfio.putPfnPageNs", "5.14's per-page put_pfn() loop of unpin");
        m("vfio.iovaToPhysPageNs", "per-page iommu_iova_to_phys() probe of vfio_unmap_unpin()");
        m("vfio.chunkNs", "one padata chunk's set-up in vfio_pin_map_dma_chunk()");
        m("qemu.initFixedNs", "qemu's setup independent of guest size (process start, machine, device models)");
        m("qemu.initPerGiBNs", "qemu's setup per GiB of guest RAM (memslots, dirty bitmaps, guest tables)");
        m("mm.ipiSendNs", "TLB-shootdown IPI, initiator's share per target CPU (native_flush_tlb_multi: ICR write, wait for the ack)");
        m("mm.ipiHandleNs", "TLB-shootdown IPI, target CPU's share (the flush interrupt)");
    }

    private static void m(String key, String meaning) {
        MEANINGS.put(key, meaning);
    }

    private ProfileMeanings() {
    }

    /** The meaning of {@code key}, or empty when none is written down. */
    public static java.util.Optional<String> of(String key) {
        String m = MEANINGS.get(key);
        if (m == null && key.startsWith(CPUIDLE)) {
            // the cpuidle group's keys are per state of the profile's driver: <State>ExitLatencyNs,
            // <State>TargetResidencyNs and optionally <State>ExitLatencyPc0Ns
            String p = key.substring(CPUIDLE.length());
            if (p.endsWith(PC0_EXIT) && p.length() > PC0_EXIT.length()) {
                m = "idle state " + p.substring(0, p.length() - PC0_EXIT.length()) + ": exit latency while another CPU"
                        + " runs (the package stays in PC0, so only the core's state is left), paid by"
                        + " a task woken then instead of the declared exit latency; the menu governor plans with the declared one";
            } else if (p.endsWith(EXIT) && p.length() > EXIT.length()) {
                m = "idle state " + p.substring(0, p.length() - EXIT.length()) + ": exit latency (struct cpuidle_state"
                        + " exit_latency, the declared worst case), paid by a task woken on a CPU in this state while"
                        + " every other CPU sleeps too; the menu governor also weighs it";
            } else if (p.endsWith(RESIDENCY) && p.length() > RESIDENCY.length()) {
                m = "idle state " + p.substring(0, p.length() - RESIDENCY.length()) + ": target residency (struct"
                        + " cpuidle_state target_residency), the shortest predicted idle for which the menu governor picks it";
            }
        }
        return java.util.Optional.ofNullable(m);
    }

    private static final String CPUIDLE = "cpuidle.";
    private static final String EXIT = "ExitLatencyNs";
    private static final String PC0_EXIT = "ExitLatencyPc0Ns";
    private static final String RESIDENCY = "TargetResidencyNs";
}
