package org.kemu.vfiotype1.iommu;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuGather;
import org.kemu.vfiotype1.IommuProt;

/**
 * The iommufd selftest mock domain (drivers/iommu/iommufd/selftest.c, xarray version; docs/kernel/vfio-gup.md
 * 4.1): one entry per {@code MOCK_PAGE_SIZE} = 2 KiB of IOVA, its own fault-injection point at the
 * start of {@code map_pages} returning ENOENT, WARN_ON(old) and overwrite when mapping over a
 * present entry, and on unmap a WARN for every missing entry and, unless huge pages are enabled, a
 * WARN when an unmap does not begin on the first entry of some map call (START) or, for a one-page
 * unmap, does not end on the last one (LAST): the check that unmaps are supersets of maps.
 *
 * <p>Entries are stored as runs like every domain; leaf sizes are the ones the core chose (2 KiB, or
 * 1 MiB with huge pages), and cutting a 1 MiB leaf leaves 2 KiB entries, as the xarray would. Time is
 * charged per 2 KiB entry stored or erased, since the mock does one xa_store/xa_erase per entry.
 */
public final class MockIommuDomain extends AbstractIommuDomain {
    /** The mock's own injection point ({@code iommufd_should_fail()} in mock_domain_map_pages). */
    public static final String FAIL_MAP_PAGES = "mock_domain_map_pages";

    public MockIommuDomain(Kernel kernel, IommuDomainSpec spec) {
        super(kernel, spec, false);
    }

    /**
     * The kernel turns the START/LAST check off with MOCK_HUGE_PAGE_SIZE because the core then splits
     * unmaps where page sizes change; the emulation generalises that to any bitmap of more than one
     * size (the kernel's mock has no other multi-size variant).
     */
    private boolean checksMarks() {
        return Long.bitCount(spec.pgsizeBitmap()) == 1;
    }

    private long entries(long bytes) {
        return bytes / IommuDomainSpec.MOCK_PAGE_SIZE;
    }

    @Override
    protected void mapPages(DomainCall call, long iova, long paddr, long pgsize, long count, IommuProt prot) {
        if (FailNth.shouldFail(kernel, FAIL_MAP_PAGES)) {
            call.error = new KernelException(Errno.ENOENT, FAIL_MAP_PAGES, "fail-nth: mock map_pages");
            return;
        }
        long bytes = pgsize * count;
        long last = iova + bytes - 1;
        synchronized (table) {
            if (table.anyOverlap(iova, last)) {
                warn("mock_domain_map_pages: WARN_ON(old) in [0x" + Long.toHexString(iova) + ", 0x"
                        + Long.toHexString(last) + "]");
                table.remove(iova, last);
            }
            table.insert(new PteRun(iova, paddr, pgsize, count, prot, true, true));
        }
        call.mapped(bytes, count, entries(bytes) * spec.costs().mapPte(IommuDomainSpec.MOCK_PAGE_SIZE));
    }

    @Override
    protected long unmapPages(DomainCall call, long iova, long pgsize, long count, IommuGather gather) {
        long want = pgsize * count;
        long last = iova + want - 1;
        synchronized (table) {
            if (checksMarks()) {
                PteRun first = table.containing(iova);
                if (first != null && !(first.iova() == iova && first.startMark())) {
                    warn("mock_domain_unmap_pages: unmap at 0x" + Long.toHexString(iova) + " is not a map's START");
                }
                PteRun end = table.containing(last);
                if (count == 1 && end != null && !(end.last() == last && end.lastMark())) {
                    warn("mock_domain_unmap_pages: unmap ending at 0x" + Long.toHexString(last)
                            + " is not a map's LAST");
                }
            }
            long present = 0;
            for (PteRun r : table.overlapping(iova, last)) {
                long s = Long.compareUnsigned(r.iova(), iova) >= 0 ? r.iova() : iova;
                long l = Long.compareUnsigned(r.last(), last) <= 0 ? r.last() : last;
                present += l - s + 1;
            }
            if (present != want) {
                warn("mock_domain_unmap_pages: WARN_ON(!ent) for " + entries(want - present) + " entries in [0x"
                        + Long.toHexString(iova) + ", 0x" + Long.toHexString(last) + "]");
            }
            call.leaves += table.remove(iova, last);
            if (present != 0) {
                gather.addRange(iova, want, entries(present));
            }
        }
        call.costNs += entries(want) * spec.costs().unmapPte(IommuDomainSpec.MOCK_PAGE_SIZE);
        // The mock counts missing entries as unmapped too.
        return want;
    }

    @Override
    public long iovaToPhys(long iova) {
        long pa = super.iovaToPhys(iova);
        if (lookup(iova).isEmpty()) {
            warn("mock_domain_iova_to_phys: WARN_ON(!ent) at 0x" + Long.toHexString(iova));
        }
        return pa;
    }
}
