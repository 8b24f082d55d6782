package org.kemu.schedfair.sim;

/** A task group's entity on one CPU: it is queued in the parent group's run queue on that CPU. */
final class GroupEntity extends SchedEntity {
    final CfsRq q;

    GroupEntity(long key, CfsRq q) {
        super(key);
        this.q = q;
    }

    @Override
    CfsRq myQ() {
        return q;
    }

    @Override
    public String toString() {
        return "group " + q.tg.path + " on cpu " + q.cpu;
    }
}
