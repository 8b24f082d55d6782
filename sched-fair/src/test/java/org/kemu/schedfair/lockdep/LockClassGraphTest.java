package org.kemu.schedfair.lockdep;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.internal.HeldLock;
import org.kemu.schedfair.internal.LockdepTask;

/**
 * The graph has a node per lock class, not per lock: lockdep registers a class per
 * {@code lock_class_key} ({@code register_lock_class}) and a dependency per class pair
 * ({@code check_prev_add}), so a thousand fault mutexes taken under the mmap lock are two classes and
 * one dependency, which is what keeps the per-acquisition check on the known-edge fast path.
 */
class LockClassGraphTest {
    private record FakeTask(String name, List<HeldLock> heldLocks) implements LockdepTask {
    }

    @Test
    void aThousandInstancesOfOneClassAreOneNodeAndOneEdge() {
        Lockdep lockdep = new Lockdep(() -> null);
        FakeTask t = new FakeTask("faulter", new ArrayList<>());
        Object mmap = new Object();
        lockdep.acquire(t, "mmap_lock", "mmap_lock:qemu", mmap, true, false);
        lockdep.acquired(t, "mmap_lock", "mmap_lock:qemu", mmap, true);
        for (int i = 0; i < 1000; i++) {
            Object m = new Object();
            String name = "hugetlb_fault_mutex:" + i;
            lockdep.acquire(t, "hugetlb_fault_mutex", name, m, false, false);
            lockdep.acquired(t, "hugetlb_fault_mutex", name, m, false);
            assertThat(lockdep.release(t, m, name)).isTrue();
        }
        assertThat(lockdep.classCount()).isEqualTo(2);
        assertThat(lockdep.dependencyCount()).isEqualTo(1);
        assertThat(lockdep.violations()).isEmpty();
    }
}
