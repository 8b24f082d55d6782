package org.kemu.padatacore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;

/**
 * The RFC's TODO "Make helpers aware of signals sent to the main thread" (docs/kernel/padata.md section 3.1) as the
 * SIGNAL_AWARE_HELPERS switch: a fatal signal to the main task stops the job between chunks (each thread finishes
 * the chunk it has), the completed chunks are undone and padata_do_multithreaded returns -EINTR.
 */
class FatalSignalTest {

    /** A 400-unit job of chunks of 25 on 4 threads; the chunk at 100 sends SIGKILL to the main task. */
    private static int run(PadataFeatures f, long[] done, List<Long> startedAfterSignal, long[] undone) {
        Kernel k = PadataHarness.sim(4, 1);
        Padata padata = PadataHarness.padata(k, f);
        Task[] main = {null};
        boolean[] sent = {false};
        return PadataHarness.runJob(k, kk -> {
            main[0] = kk.current();
            return padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
                if (sent[0]) {
                    startedAfterSignal.add(s);
                }
                kk.work(1_000_000);
                if (s == 100) {
                    kk.sendFatalSignal(main[0]);
                    sent[0] = true;
                }
                done[0] += e - s;
                return 0;
            }).undo((s, e, a) -> undone[0] += e - s).size(400).minChunk(10).maxThreads(4).build());
        });
    }

    @Test
    void aFatalSignalStopsNewChunksUndoesCompletedOnesAndReturnsEintr() {
        long[] done = {0};
        long[] undone = {0};
        List<Long> after = new ArrayList<>();
        int ret = run(PadataHarness.noCgroup().withSignalAwareHelpers(true), done, after, undone);
        assertThat(ret).isEqualTo(-Errno.EINTR.value());
        // no chunk starts once the signal is pending; the chunks running then complete
        assertThat(after).isEmpty();
        assertThat(done[0]).isLessThan(400).isGreaterThan(100);
        // padata_undo walks [job.start, position): every completed chunk, nothing else
        assertThat(undone[0]).isEqualTo(done[0]);
    }

    @Test
    void withoutTheSwitchTheJobIgnoresTheSignal() {
        // the series as posted: helpers are not signal aware, every chunk runs and nothing is undone
        long[] done = {0};
        long[] undone = {0};
        List<Long> after = new ArrayList<>();
        int ret = run(PadataHarness.noCgroup(), done, after, undone);
        assertThat(ret).isZero();
        assertThat(done[0]).isEqualTo(400);
        assertThat(after).isNotEmpty();
        assertThat(undone[0]).isZero();
    }

    @Test
    void theSeriesAndMainlineLeaveTheSwitchOff() {
        assertThat(PadataFeatures.rfc2022().signalAwareHelpers()).isFalse();
        assertThat(PadataFeatures.mainline().signalAwareHelpers()).isFalse();
    }
}
