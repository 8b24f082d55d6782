package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lockdep classes per {@code struct lock_class_key} (kernel/locking/lockdep.c): locks initialised at
 * one site share a class, so an order learned on some instances is checked against all of them, and
 * taking a second lock of a held class is "possible recursive locking" ({@code check_deadlock}) unless
 * annotated with a nesting subclass ({@code spin_lock_nested}, {@code mutex_lock_nested}).
 */
class LockClassTest {

    static Stream<Backend> backends() {
        return Backends.both();
    }

    /**
     * One task takes mmap_lock of mm "a" then a fault mutex; another takes a different fault mutex,
     * then the mmap_lock of mm "b". No two instances are shared, yet the class order inverts:
     * lockdep reports it, as 5.14's would for mmap_lock -> hugetlb_fault_mutex against the reverse.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void anInversionOverOtherInstancesOfTheSameClassesIsReported(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        RwSemaphore mmapA = k.rwsem("mmap_lock:a", "mmap_lock");
        RwSemaphore mmapB = k.rwsem("mmap_lock:b", "mmap_lock");
        Mutex fault1 = k.mutex("hugetlb_fault_mutex:1", "hugetlb_fault_mutex");
        Mutex fault2 = k.mutex("hugetlb_fault_mutex:2", "hugetlb_fault_mutex");
        Task first = k.spawn(TaskSpec.user("faulter", 1), () -> {
            mmapA.downRead();
            fault1.lock();
            fault1.unlock();
            mmapA.upRead();
        });
        k.spawn(TaskSpec.user("inverter", 2), () -> {
            k.join(first);
            fault2.lock();
            mmapB.downWrite();
            mmapB.upWrite();
            fault2.unlock();
        });
        k.run();
        assertThat(k.lockdep().violations()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(LockViolation.Kind.LOCK_ORDER_INVERSION);
            assertThat(v.locks()).containsExactly("hugetlb_fault_mutex", "mmap_lock", "hugetlb_fault_mutex");
            assertThat(v.tasks()).containsExactly("inverter", "faulter");
            assertThat(v.message()).contains("'inverter' takes 'mmap_lock' while holding 'hugetlb_fault_mutex'");
        });
        // the names stay per instance: statistics are kept per lock
        assertThat(mmapA.name()).isEqualTo("mmap_lock:a");
        assertThat(mmapA.lockClass()).isEqualTo(mmapB.lockClass()).isEqualTo("mmap_lock");
    }

    /**
     * Two page-table locks of one class held at once, as mremap's move_ptes holds the old and the new
     * PTE page's: plain spin_lock on the second is reported (check_deadlock), spin_lock_nested with
     * SINGLE_DEPTH_NESTING (1) is not, and a trylock is never checked.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aSecondLockOfAHeldClassNeedsANestingAnnotation(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        SpinLock oldPtl = k.spinlock("pte_ptl:qemu:1", "pte_ptl");
        SpinLock newPtl = k.spinlock("pte_ptl:qemu:2", "pte_ptl");
        Task annotated = k.spawn(TaskSpec.kthread("move_ptes"), () -> {
            oldPtl.lock();
            newPtl.lockNested(1);
            newPtl.unlock();
            oldPtl.unlock();
            oldPtl.lock();
            assertThat(newPtl.tryLock()).isTrue();
            newPtl.unlock();
            oldPtl.unlock();
        });
        k.run();
        assertThat(annotated.state()).isEqualTo(TaskState.DEAD);
        assertThat(k.lockdep().violations()).isEmpty();

        k.spawn(TaskSpec.kthread("unannotated"), () -> {
            oldPtl.lock();
            newPtl.lock();
            newPtl.unlock();
            oldPtl.unlock();
        });
        k.run();
        assertThat(k.lockdep().violations()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(LockViolation.Kind.RECURSIVE_LOCK);
            assertThat(v.locks()).containsExactly("pte_ptl");
            assertThat(v.message()).contains("takes 'pte_ptl:qemu:2' while holding 'pte_ptl:qemu:1'");
        });
    }

    /** A mutex nested in another of its class, annotated; a subclass past MAX_LOCKDEP_SUBCLASSES is EINVAL. */
    @ParameterizedTest
    @MethodSource("backends")
    void mutexLockNestedAndTheSubclassRange(Backend b) {
        Kernel k = Backends.kernel(b, 1);
        Mutex outer = k.mutex("inode:1", "i_mutex_key");
        Mutex inner = k.mutex("inode:2", "i_mutex_key");
        k.spawn(TaskSpec.kthread("rename"), () -> {
            outer.lock();
            inner.lockNested(1);
            inner.unlock();
            assertThatThrownBy(() -> inner.lockNested(8)).isInstanceOfSatisfying(KernelException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                assertThat(e.check()).isEqualTo("lockdep:subclass");
            });
            assertThat(inner.isLocked()).isFalse(); // the refused call took nothing
            outer.unlock();
        });
        k.run();
        assertThat(k.lockdep().violations()).isEmpty();
        assertThatThrownBy(() -> k.mutex("x", "")).isInstanceOfSatisfying(KernelException.class,
                e -> assertThat(e.check()).isEqualTo("lock:class"));
    }
}
