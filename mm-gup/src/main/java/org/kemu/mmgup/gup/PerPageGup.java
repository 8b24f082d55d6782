package org.kemu.mmgup.gup;

import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.mm.MmImpl;
import org.kemu.schedfair.Kernel;

/** GUP as in 5.14: walk, grab and unpin cost per 4 KiB page, even inside a large folio. */
public final class PerPageGup extends AbstractGup {
    public PerPageGup(Kernel kernel, MmImpl mmOps, GupCosts costs) {
        super(kernel, mmOps, costs);
    }

    @Override
    protected long grabNs(long pages, long folioRuns) {
        return pages * (costs.pageNs() + costs.pageArrayNs());
    }

    @Override
    protected long thpWalkNs(long pages) {
        return pages * costs.thpPageNs();
    }

    @Override
    protected long unpinNs(long pages, long folioRuns) {
        return pages * costs.unpinPageNs();
    }

    @Override
    public String name() {
        return "per-page";
    }
}
