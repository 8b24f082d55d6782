package org.kemu.schedfair.lockdep;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.LockViolation;
import org.kemu.schedfair.internal.HeldLock;
import org.kemu.schedfair.internal.LockdepTask;

/**
 * The already-known-dependency fast path (check_prev_add() in kernel/locking/lockdep.c returns early
 * when prev -> next is already on prev's locks_after list): a repeated order must skip the cycle
 * search, yet every inversion it closes later must still be reported, whichever direction and
 * however long the cycle.
 */
class LockdepKnownEdgeTest {

    private record FakeTask(String name, List<HeldLock> heldLocks) implements LockdepTask {
        FakeTask(String name) {
            this(name, new ArrayList<>());
        }
    }

    private final Lockdep lockdep = new Lockdep(() -> null);
    private final Object a = new Object();
    private final Object b = new Object();
    private final Object c = new Object();

    /** {@code t} takes {@code outer} then {@code inner} and releases both, as lock(); lock(); unlock() x2. */
    private void nest(FakeTask t, String outerCls, Object outer, String innerCls, Object inner) {
        lockdep.acquire(t, outerCls, outerCls, outer, false, false);
        lockdep.acquired(t, outerCls, outerCls, outer, false);
        lockdep.acquire(t, innerCls, innerCls, inner, false, false);
        lockdep.acquired(t, innerCls, innerCls, inner, false);
        assertThat(lockdep.release(t, inner, innerCls)).isTrue();
        assertThat(lockdep.release(t, outer, outerCls)).isTrue();
    }

    @Test
    void theReverseOfAKnownEdgeIsStillAnInversion() {
        FakeTask first = new FakeTask("first");
        for (int i = 0; i < 1000; i++) {
            nest(first, "A", a, "B", b); // A -> B learned once, then answered by the fast path
        }
        assertThat(lockdep.violations()).isEmpty();
        nest(new FakeTask("second"), "B", b, "A", a); // B -> A: a cache keyed without order would skip it
        assertThat(lockdep.violations()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(LockViolation.Kind.LOCK_ORDER_INVERSION);
            assertThat(v.tasks()).containsExactly("second", "first");
            assertThat(v.message()).contains("'second' takes 'A' while holding 'B'");
        });
    }

    @Test
    void aCycleThroughSeveralKnownEdgesIsReportedOnce() {
        FakeTask t = new FakeTask("t");
        for (int i = 0; i < 100; i++) {
            nest(t, "A", a, "B", b);
            nest(t, "B", b, "C", c);
        }
        FakeTask u = new FakeTask("u");
        for (int i = 0; i < 100; i++) {
            nest(u, "C", c, "A", a); // closes A -> B -> C -> A; the repeats hit the now-known C -> A
        }
        assertThat(lockdep.violations()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(LockViolation.Kind.LOCK_ORDER_INVERSION);
            assertThat(v.locks()).containsExactly("C", "A", "B", "C");
        });
    }

    @Test
    void equalClassNamesOfDistinctStringsAreOneClass() {
        FakeTask t = new FakeTask("t");
        // new String: the last-class cache compares references, the class table compares contents.
        nest(t, new String("A"), a, new String("B"), b);
        nest(new FakeTask("u"), new String("B"), b, new String("A"), a);
        assertThat(lockdep.violations()).singleElement()
                .satisfies(v -> assertThat(v.kind()).isEqualTo(LockViolation.Kind.LOCK_ORDER_INVERSION));
    }

    @Test
    void dependencySetKeepsOrderedPairsAcrossGrowth() {
        DependencySet s = new DependencySet();
        for (int p = 1; p <= 100; p++) {
            for (int n = 1; n <= 100; n++) {
                if (p < n) {
                    assertThat(s.add(DependencySet.key(p, n))).isTrue();
                }
            }
        }
        assertThat(s.size()).isEqualTo(100 * 99 / 2);
        assertThat(s.add(DependencySet.key(3, 7))).isFalse();
        for (int p = 1; p <= 100; p++) {
            for (int n = 1; n <= 100; n++) {
                assertThat(s.contains(DependencySet.key(p, n))).as("%d -> %d", p, n).isEqualTo(p < n);
            }
        }
    }
}
