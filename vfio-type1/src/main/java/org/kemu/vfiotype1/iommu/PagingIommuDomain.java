package org.kemu.vfiotype1.iommu;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.IommuDomainSpec;
import org.kemu.vfiotype1.IommuGather;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.OverlapPolicy;
import org.kemu.vfiotype1.PartialUnmap;

/**
 * A multi-level paging driver (VT-d, AMD-Vi, SMMU via io-pgtable) shaped by its spec's policies.
 *
 * <p>Fault injection: one point per {@code map_pages} call, {@value #FAIL_PGTABLE_ALLOC}, standing for
 * the page-table page allocation the walk may need; it fails with ENOMEM as a failed
 * {@code GFP_KERNEL_ACCOUNT} allocation does. (The emulation does not track which table pages exist,
 * so the point is reached on every call, not only when a table page is missing.)
 */
public final class PagingIommuDomain extends AbstractIommuDomain {
    public static final String FAIL_PGTABLE_ALLOC = "iommu_map:pgtable_alloc";

    public PagingIommuDomain(Kernel kernel, IommuDomainSpec spec) {
        super(kernel, spec, true);
    }

    @Override
    protected void mapPages(DomainCall call, long iova, long paddr, long pgsize, long count, IommuProt prot) {
        long bytes = pgsize * count;
        long last = iova + bytes - 1;
        if (spec.apertureErrno() != null && Long.compareUnsigned(last, spec.aperture().last()) > 0) {
            call.error = new KernelException(spec.apertureErrno(), "map_pages:address_width", "iova 0x"
                    + Long.toHexString(last) + " beyond the domain's address width " + spec.aperture());
            return;
        }
        if (FailNth.shouldFail(kernel, FAIL_PGTABLE_ALLOC)) {
            call.error = new KernelException(Errno.ENOMEM, FAIL_PGTABLE_ALLOC, "fail-nth: page-table allocation");
            return;
        }
        synchronized (table) {
            if (table.anyOverlap(iova, last)) {
                if (spec.overlap() == OverlapPolicy.EEXIST) {
                    call.error = new KernelException(Errno.EEXIST, "map_pages:pte_present", "a leaf is already "
                            + "present in [0x" + Long.toHexString(iova) + ", 0x" + Long.toHexString(last) + "]");
                    return;
                }
                warn("map_pages: overwriting present leaves in [0x" + Long.toHexString(iova) + ", 0x"
                        + Long.toHexString(last) + "]");
                table.remove(iova, last);
            }
            table.insert(new PteRun(iova, paddr, pgsize, count, prot, true, true));
        }
        call.mapped(bytes, count, count * spec.costs().mapPte(pgsize));
    }

    @Override
    protected long unmapPages(DomainCall call, long iova, long pgsize, long count, IommuGather gather) {
        long want = pgsize * count;
        long done = 0;
        synchronized (table) {
            while (Long.compareUnsigned(done, want) < 0) {
                long cur = iova + done;
                PteRun r = table.containing(cur);
                if (r == null) {
                    break; // a hole ends the unmap (docs/kernel/vfio-gup.md section 5)
                }
                long idx = (cur - r.iova()) / r.pgsize();
                if (r.iova() + idx * r.pgsize() != cur) {
                    break; // starts inside a leaf: nothing is unmapped there (docs/kernel/vfio-gup.md section 1.7 step 7)
                }
                long n = Math.min((want - done) / r.pgsize(), r.count() - idx);
                if (n == 0) {
                    if (spec.partialUnmap() == PartialUnmap.REFUSE) {
                        break;
                    }
                    n = 1; // WHOLE_LEAF: the whole large leaf goes, past the requested end
                }
                long bytes = n * r.pgsize();
                table.remove(cur, cur + bytes - 1);
                gather.addRange(cur, bytes, n);
                call.leaves += n;
                call.costNs += n * spec.costs().unmapPte(r.pgsize());
                done += bytes;
            }
        }
        return done;
    }
}
