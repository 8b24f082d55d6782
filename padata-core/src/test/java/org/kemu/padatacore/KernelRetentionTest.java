package org.kemu.padatacore;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Kernel;

/**
 * Issue 17 defect 5: padata's per-kernel globals (padata_init's work pool) were kept in a static
 * WeakHashMap whose values referenced their kernel, so every kernel that ever ran padata stayed
 * reachable and a long sweep ran out of memory. The globals now live in the kernel itself.
 */
class KernelRetentionTest {

    private static WeakReference<Kernel> runOnePadataKernel(long seed) {
        Kernel k = PadataHarness.sim(4, seed);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        PadataHarness.runJob(k, kk -> padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
            kk.work(1000);
            return 0;
        }).size(64).minChunk(4).maxThreads(4).build()));
        return new WeakReference<>(k);
    }

    @Test
    void kernelsThatRanPadataCanBeCollected() throws InterruptedException {
        List<WeakReference<Kernel>> refs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            refs.add(runOnePadataKernel(i));
        }
        // a collection is only requested: ask until every kernel is gone, or give up after 50 tries
        for (int i = 0; i < 50 && refs.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(refs.stream().filter(r -> r.get() != null).count()).isZero();
    }
}
