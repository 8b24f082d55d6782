package org.kemu.padatacore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.DeadlockException;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.LockViolation;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Task;

/**
 * Patch 4 (docs/kernel/padata.md section 3.2): helpers hold the job's lockdep map around each chunk and the
 * main thread takes and drops it before waiting, so a lock held by the main thread while it waits
 * and taken by a helper is a reported cycle.
 */
class LockdepTest {

    /** A job whose chunks take {@code m}: none, only the helpers' chunks, or every chunk. */
    enum Takers { NONE, HELPERS, EVERY_CHUNK }

    private static PadataMtJob<Object> job(Kernel k, Mutex m, Task[] main, Takers takers) {
        return PadataMtJob.<Object>builder((s, e, a) -> {
            if (takers == Takers.EVERY_CHUNK || takers == Takers.HELPERS && k.current() != main[0]) {
                m.lock();
                k.work(1000);
                m.unlock();
            } else {
                k.work(1_000_000);
            }
            return 0;
        }).size(64).minChunk(4).maxThreads(4).build();
    }

    @Test
    void helperTakingALockTheWaitingMainHoldsIsReportedAndDeadlocks() {
        Kernel k = PadataHarness.sim(4, 1);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        Mutex m = k.mutex("vfio iommu->lock");
        Task[] main = new Task[1];
        k.spawn(org.kemu.schedfair.TaskSpec.user("main", 100), () -> {
            main[0] = k.current();
            m.lock();
            padata.doMultithreaded(job(k, m, main, Takers.HELPERS));
            m.unlock();
        });
        assertThatThrownBy(k::run).isInstanceOf(DeadlockException.class);
        assertThat(k.lockdep().violations()).anySatisfy(v -> {
            assertThat(v.kind()).isEqualTo(LockViolation.Kind.WAIT_WHILE_HOLDING);
            assertThat(v.locks()).contains("vfio iommu->lock", "lockdep_map:padata job");
        });
    }

    @Test
    void theRiskIsReportedEvenWhenTheRunDoesNotDeadlockSimulated() {
        reportedWithoutDeadlock(PadataHarness.sim(4, 2));
    }

    @RepeatedTest(50)
    void theRiskIsReportedEvenWhenTheRunDoesNotDeadlockHosted() {
        reportedWithoutDeadlock(PadataHarness.hosted(4, 2));
    }

    /**
     * One job's main holds the lock while waiting (its helpers do not take it); a later job of the
     * same call site takes it in its chunks. No run deadlocks, but the two orders close a cycle.
     * Every chunk of the second job takes the lock, main's own included: thread_fn runs under the
     * job's lockdep map on whichever thread claims the chunk (patch 4), so the map -> lock order is
     * recorded whatever the interleaving. With only helpers taking it the hosted run reported
     * nothing whenever the main thread claimed every chunk before a helper started.
     */
    private static void reportedWithoutDeadlock(Kernel k) {
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        Mutex m = k.mutex("vfio iommu->lock");
        Task[] main = new Task[1];
        PadataHarness.runJob(k, kk -> {
            main[0] = kk.current();
            m.lock();
            int r1 = padata.doMultithreaded(job(kk, m, main, Takers.NONE));
            m.unlock();
            return r1 + padata.doMultithreaded(job(kk, m, main, Takers.EVERY_CHUNK));
        });
        assertThat(k.lockdep().violations()).extracting(LockViolation::kind)
                .contains(LockViolation.Kind.WAIT_WHILE_HOLDING);
    }

    @Test
    void withoutPatch4NothingIsReported() {
        Kernel k = PadataHarness.sim(4, 2);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup().withLockdep(false));
        Mutex m = k.mutex("vfio iommu->lock");
        Task[] main = new Task[1];
        PadataHarness.runJob(k, kk -> {
            main[0] = kk.current();
            m.lock();
            int r1 = padata.doMultithreaded(job(kk, m, main, Takers.NONE));
            m.unlock();
            return r1 + padata.doMultithreaded(job(kk, m, main, Takers.EVERY_CHUNK));
        });
        assertThat(k.lockdep().violations()).isEmpty();
    }
}
