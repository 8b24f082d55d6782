package org.kemu.schedfair.sim;

import java.util.Comparator;

/**
 * The run-queue tree orders (entity_before in kernel/sched/fair.c: CFS by vruntime, EEVDF by
 * deadline), ties broken by the entity's key. Each is its own class with the fields read directly:
 * the composed {@code Comparator.comparingLong(..).thenComparingLong(..)} shares one lambda class
 * for every key extractor of the process, so each tree comparison made two megamorphic calls, and
 * the comparisons were a fifth of a busy run's samples.
 */
final class EntityOrder {
    private EntityOrder() {
    }

    static final Comparator<SchedEntity> BY_VRUNTIME = new ByVruntime();
    static final Comparator<SchedEntity> BY_DEADLINE = new ByDeadline();

    private static final class ByVruntime implements Comparator<SchedEntity> {
        @Override
        public int compare(SchedEntity a, SchedEntity b) {
            int c = Long.compare(a.vruntime, b.vruntime);
            return c != 0 ? c : Long.compare(a.key, b.key);
        }
    }

    private static final class ByDeadline implements Comparator<SchedEntity> {
        @Override
        public int compare(SchedEntity a, SchedEntity b) {
            int c = Long.compare(a.deadline, b.deadline);
            return c != 0 ? c : Long.compare(a.key, b.key);
        }
    }
}
