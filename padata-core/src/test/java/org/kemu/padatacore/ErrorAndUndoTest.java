package org.kemu.padatacore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;

/** Patches 2 and 3 of the series (docs/kernel/padata.md section 3.2): first error wins, undo of completed chunks. */
class ErrorAndUndoTest {

    @Test
    void firstErrorInTimeIsReturnedAndNoChunkStartsAfterIt() {
        // patch 2: the helper loop runs while "work remains AND no error yet"; only the first
        // non-zero return is kept. The chunk at 0 fails late, the one at 50 fails early (chunks of 400 / (4 * 4) = 25): -EIO wins.
        Kernel k = PadataHarness.sim(4, 1);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        List<Long> startedAfterError = new ArrayList<>();
        boolean[] errorSeen = {false};
        int ret = PadataHarness.runJob(k, kk -> padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
            if (errorSeen[0]) {
                startedAfterError.add(s);
            }
            if (s == 0) {
                kk.work(50_000_000);
                return -Errno.ENOMEM.value();
            }
            kk.work(s == 50 ? 1_000_000 : 10_000_000);
            if (s == 50) {
                errorSeen[0] = true;
                return -Errno.EIO.value();
            }
            return 0;
        }).size(400).minChunk(10).maxThreads(4).build()));
        assertThat(ret).isEqualTo(-Errno.EIO.value());
        assertThat(startedAfterError).isEmpty();
    }

    @Test
    void withoutPatch2ErrorsAreIgnoredAndEveryChunkRuns() {
        Kernel k = PadataHarness.sim(4, 1);
        Padata padata = PadataHarness.padata(k, PadataFeatures.mainline().withKthreadHelpers(true));
        long[] done = {0};
        int ret = PadataHarness.runJob(k, kk -> padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
            done[0] += e - s;
            kk.work(1000);
            return s == 0 ? -Errno.EIO.value() : 0;
        }).size(400).minChunk(10).maxThreads(4).build()));
        assertThat(ret).isZero();
        assertThat(done[0]).isEqualTo(400);
    }

    @Test
    void singleThreadShortcutReturnsThreadFnResultWithoutUndo() {
        Kernel k = PadataHarness.sim(4, 1);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        int[] undos = {0};
        int ret = PadataHarness.runJob(k, kk -> padata.doMultithreaded(PadataMtJob.<Object>builder(
                (s, e, a) -> -Errno.EFAULT.value()).undo((s, e, a) -> undos[0]++).size(5).minChunk(10)
                .maxThreads(4).build()));
        assertThat(ret).isEqualTo(-Errno.EFAULT.value());
        assertThat(undos[0]).isZero();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
            25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40})
    void undoReversesEveryCompletedUnitOnceAndNoFailedUnitSimulated(long seed) {
        undoScenario(PadataHarness.sim(8, seed), seed);
    }

    @ParameterizedTest
    @ValueSource(longs = {101, 102, 103, 104, 105, 106, 107, 108})
    void undoReversesEveryCompletedUnitOnceAndNoFailedUnitHosted(long seed) {
        undoScenario(PadataHarness.hosted(8, seed), seed);
    }

    /**
     * Patch 3: undo_fn runs on every successfully completed stretch of [job.start, position),
     * skipping failed chunks, whose own partial work thread_fn cleans up (the 2018 bug of reference
     * docs/kernel/padata.md section 5.1). Per unit: done - undone - selfCleaned must be 0 after the job.
     */
    private static void undoScenario(Kernel k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long start = r.nextLong(0, 1000);
        int size = r.nextInt(20, 600);
        long align = r.nextBoolean() ? 1 : r.nextInt(1, 8);
        long minChunk = r.nextInt(0, 20);
        int maxThreads = r.nextInt(2, 9);
        boolean[] fails = new boolean[size];
        int nfail = r.nextInt(1, 4);
        for (int i = 0; i < nfail; i++) {
            fails[r.nextInt(size)] = true;
        }
        long[] unitCost = new long[size];
        for (int i = 0; i < size; i++) {
            unitCost[i] = r.nextLong(1_000, 200_000);
        }
        int[] done = new int[size];
        int[] undone = new int[size];
        int[] selfCleaned = new int[size];
        boolean[] inFailedChunk = new boolean[size];

        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        int ret = PadataHarness.runJob(k, kk -> padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
            for (long u = s; u < e; u++) {
                int i = (int) (u - start);
                kk.work(unitCost[i]);
                if (fails[i]) {
                    // a failing chunk undoes its own completed part before returning the error
                    for (long v = s; v < u; v++) {
                        selfCleaned[(int) (v - start)]++;
                    }
                    for (long v = s; v < e; v++) {
                        inFailedChunk[(int) (v - start)] = true;
                    }
                    return -Errno.ENOMEM.value();
                }
                done[i]++;
            }
            return 0;
        }).undo((s, e, a) -> {
            for (long u = s; u < e; u++) {
                undone[(int) (u - start)]++;
            }
        }).start(start).size(size).align(align).minChunk(minChunk).maxThreads(maxThreads).build()));

        assertThat(ret).isEqualTo(-Errno.ENOMEM.value());
        for (int i = 0; i < size; i++) {
            assertThat(done[i]).as("unit %d done at most once", i).isLessThanOrEqualTo(1);
            if (inFailedChunk[i]) {
                assertThat(undone[i]).as("unit %d of a failed chunk is never undone", i).isZero();
            } else {
                assertThat(undone[i]).as("completed unit %d undone exactly once", i).isEqualTo(done[i]);
            }
            assertThat(done[i] - undone[i] - selfCleaned[i]).as("unit %d rolled back", i).isZero();
        }
    }

    @Test
    void undoIsDoneByTheMainTaskOnlyAfterEveryHelperFinished() {
        Kernel k = PadataHarness.sim(4, 9);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        List<Task> undoers = new ArrayList<>();
        Task[] main = new Task[1];
        int ret = PadataHarness.runJob(k, kk -> {
            main[0] = kk.current();
            return padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
                kk.work(1_000_000);
                return s == 125 ? -Errno.EIO.value() : 0;
            }).undo((s, e, a) -> {
                undoers.add(kk.current());
                boolean helperAlive = kk.tasks().stream()
                        .anyMatch(t -> t.name().equals("padata") && t.state() != org.kemu.schedfair.TaskState.DEAD);
                assertThat(helperAlive).isFalse();
            }).size(400).minChunk(10).maxThreads(4).build());
        });
        assertThat(ret).isEqualTo(-Errno.EIO.value());
        assertThat(undoers).isNotEmpty().allMatch(t -> t == main[0]);
    }

    @Test
    void failedKthreadCreateRunsTheJobWithOneThreadFewer() {
        // patch 9: if kthread_create fails, nworks is decremented; patch 14 marks the work finished
        Kernel k = PadataHarness.sim(4, 2);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        int[] done = new int[400];
        int ret = PadataHarness.runJob(k, kk -> {
            FailNth.arm(kk.current(), 1);
            return padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
                for (long u = s; u < e; u++) {
                    done[(int) u]++;
                }
                kk.work(1_000_000);
                return 0;
            }).size(400).minChunk(10).maxThreads(4).build());
        });
        assertThat(ret).isZero();
        assertThat(done).containsOnly(1);
        assertThat(k.tasks().stream().filter(t -> t.name().equals("padata")).count()).isEqualTo(2);
        assertThat(padata.worksInUse()).isZero();
    }
}
