package org.kemu.vfiotype1;

/**
 * Time the type1 pin path charges itself, in ns of CPU work (GUP, locked_vm and IOMMU costs are
 * charged by mm-gup and the IOMMU layer). Per-unit costs are always charged in bulk: one work item
 * per batch refill, per run or per unpin call, never one per page.
 *
 * @param vfioDmaAllocNs {@code kzalloc} and init of a {@code struct vfio_dma}, and linking it
 * @param batchInitNs {@code vfio_batch_init()}: one page for the batch's page array
 * @param batchRefillNs one {@code vaddr_get_pfns()} call around GUP (lock, batch bookkeeping)
 * @param runNs one {@code vfio_pin_pages_remote()} call (per physically contiguous run)
 * @param pinPageNs the 5.14 per-page step of {@code vfio_pin_pages_remote()} (pfn compare, reserved
 *     test, {@code vfio_find_vpfn()}, {@code lock_acct++}); not paid by folio-batched runs
 * @param contigStepNs one {@code num_pages_contiguous()} step of the folio-batched form
 * @param contigScanPageNs per page scanned by {@code num_pages_contiguous()} (pointer compare)
 * @param lockAcctNs one {@code vfio_lock_acct()} while holding the mmap write lock
 * @param unpinCallNs one {@code vfio_unpin_pages_remote()} call
 * @param putPfnPageNs the 5.14 per-page {@code put_pfn()} loop of unpin (and the per-pfn path of
 *     dmas with reserved pfns); not paid by range unpin
 * @param iovaToPhysPageNs the per-page {@code iommu_iova_to_phys()} probe of {@code vfio_unmap_unpin()}
 * @param chunkNs one padata chunk's setup in {@code vfio_pin_map_dma_chunk()}
 */
public record Type1Costs(long vfioDmaAllocNs, long batchInitNs, long batchRefillNs, long runNs, long pinPageNs,
        long contigStepNs, long contigScanPageNs, long lockAcctNs, long unpinCallNs, long putPfnPageNs,
        long iovaToPhysPageNs, long chunkNs) {

    public Type1Costs {
        if (vfioDmaAllocNs < 0 || batchInitNs < 0 || batchRefillNs < 0 || runNs < 0 || pinPageNs < 0
                || contigStepNs < 0 || contigScanPageNs < 0 || lockAcctNs < 0 || unpinCallNs < 0 || putPfnPageNs < 0
                || iovaToPhysPageNs < 0 || chunkNs < 0) {
            throw new IllegalArgumentException("type1 costs must not be negative");
        }
    }

    public static final Type1Costs FREE = new Type1Costs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * Placeholder magnitudes (not calibrated; the lab's profiles fit real ones from
     * docs/calibration-inputs.md): a few hundred ns per call, a few ns per page.
     */
    public static Type1Costs placeholder() {
        return new Type1Costs(300, 200, 150, 100, 8, 20, 1, 200, 100, 10, 15, 500);
    }
}
