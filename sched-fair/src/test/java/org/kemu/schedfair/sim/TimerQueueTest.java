package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.schedfair.internal.HrTimer;

/**
 * The timer queue fires in (expiry, arm order), as hrtimer's timerqueue orders by expiry
 * (lib/timerqueue.c), and a re-armed or cancelled timer fires only at its latest expiry, if any:
 * checked against a sorted map of the live (expiry, arm sequence) keys under random arm / re-arm /
 * cancel / fire operations.
 */
class TimerQueueTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void firesInExpiryThenArmOrderAfterRandomReArmsAndCancels(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TimerQueue q = new TimerQueue();
        List<HrTimer> timers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            timers.add(new HrTimer(null, "t" + i, () -> { }));
        }
        // the reference: live keys (expiry, seq) -> timer, one per armed timer
        TreeMap<long[], HrTimer> live = new TreeMap<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
                : Long.compare(a[1], b[1]));
        long seq = 0;
        for (int op = 0; op < 20_000; op++) {
            HrTimer t = timers.get(rnd.nextInt(timers.size()));
            int what = rnd.nextInt(10);
            if (what < 6) { // arm or re-arm; few distinct expiries so ties are common
                if (t.queueIndex >= 0) {
                    live.remove(new long[] {t.queueAt, t.queueSeq});
                }
                q.remove(t);
                t.queueAt = rnd.nextLong(50);
                t.queueSeq = seq++;
                q.add(t);
                live.put(new long[] {t.queueAt, t.queueSeq}, t);
            } else if (what < 8) { // cancel
                if (t.queueIndex >= 0) {
                    live.remove(new long[] {t.queueAt, t.queueSeq});
                }
                q.remove(t);
                assertThat(t.queueIndex).isEqualTo(-1);
            } else { // fire the earliest
                HrTimer got = q.poll();
                var want = live.pollFirstEntry();
                assertThat(got).isSameAs(want == null ? null : want.getValue());
            }
            assertThat(q.size()).isEqualTo(live.size());
            assertThat(q.peek()).isSameAs(live.isEmpty() ? null : live.firstEntry().getValue());
        }
    }
}
