package org.kemu.mmgup.gup;

import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.mm.MmImpl;
import org.kemu.schedfair.Kernel;

/**
 * GUP with the 2021-2025 folio batching: one walk step and one {@code try_grab_folio(folio, n)} per
 * folio run, one release per folio on unpin; only the page array is still written per page.
 */
public final class FolioBatchedGup extends AbstractGup {
    public FolioBatchedGup(Kernel kernel, MmImpl mmOps, GupCosts costs) {
        super(kernel, mmOps, costs);
    }

    @Override
    protected long grabNs(long pages, long folioRuns) {
        return folioRuns * costs.folioNs() + pages * costs.pageArrayNs();
    }

    @Override
    protected long unpinNs(long pages, long folioRuns) {
        return folioRuns * costs.unpinFolioNs();
    }

    @Override
    public String name() {
        return "folio-batched";
    }
}
