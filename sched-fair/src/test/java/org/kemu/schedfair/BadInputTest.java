package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input gets a clear error naming the problem, with the kernel's errno where it has one. */
class BadInputTest {

    static java.util.stream.Stream<Backend> backends() {
        return Backends.both();
    }

    private static void assertErrno(org.assertj.core.api.ThrowableAssert.ThrowingCallable c, Errno errno,
            String check) {
        assertThatThrownBy(c).isInstanceOfSatisfying(KernelException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.check()).isEqualTo(check);
        });
    }

    @Test
    void invalidTopology() {
        assertErrno(() -> new Topology(0, 4, 1, 0), Errno.EINVAL, "topology:nodes");
        assertErrno(() -> new Topology(1, 0, 1, 0), Errno.EINVAL, "topology:cores");
        assertErrno(() -> new Topology(1, 4, 9, 0), Errno.EINVAL, "topology:smt");
        assertErrno(() -> new Topology(64, 64, 4, 0), Errno.EINVAL, "topology:nr_cpus");
        assertErrno(() -> new MemoryBandwidth(0, 1), Errno.EINVAL, "bandwidth:node");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void niceOutsideTheRange(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        assertErrno(() -> TaskSpec.kthread("x").withNice(20), Errno.EINVAL, "nice");
        assertErrno(() -> TaskSpec.kthread("x").withNice(-21), Errno.EINVAL, "nice");
        Task t = k.spawn(TaskSpec.kthread("t"), () -> k.work(1000));
        assertErrno(() -> k.setUserNice(t, 42), Errno.EINVAL, "nice");
        k.run();
        assertThat(t.nice()).isZero();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void emptyOrOutOfRangeAffinityMasks(Backend b) {
        Kernel k = Backends.kernel(b, 4);
        assertErrno(() -> TaskSpec.kthread("x").withAffinity(CpuMask.empty()), Errno.EINVAL,
                "sched_setaffinity:empty");
        assertErrno(() -> k.spawn(TaskSpec.kthread("x").withAffinity(CpuMask.of(4)), () -> { }), Errno.EINVAL,
                "sched_setaffinity:range");
        Task t = k.spawn(TaskSpec.kthread("t"), () -> k.work(1000));
        assertErrno(() -> k.setAffinity(t, CpuMask.of(1, 9)), Errno.EINVAL, "sched_setaffinity:range");
        assertThat(k.run().endTimeNs()).isNotNegative();
        assertThat(t.affinity()).isEqualTo(CpuMask.range(0, 4));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void unlockingALockNotHeldLeavesTheEngineUsable(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        Mutex m = k.mutex("m");
        RwSemaphore r = k.rwsem("r");
        SpinLock s = k.spinlock("s");
        Errno[] seen = new Errno[3];
        k.spawn(TaskSpec.kthread("t"), () -> {
            try {
                m.unlock();
            } catch (KernelException e) {
                seen[0] = e.errno();
            }
            try {
                r.upWrite();
            } catch (KernelException e) {
                seen[1] = e.errno();
            }
            try {
                s.unlock();
            } catch (KernelException e) {
                seen[2] = e.errno();
            }
            m.lock();
            m.unlock();
        });
        k.run();
        assertThat(seen).containsOnly(Errno.EPERM);
        assertThat(k.lockdep().violations()).extracting(LockViolation::kind)
                .containsOnly(LockViolation.Kind.BAD_UNLOCK);
        k.spawn(TaskSpec.kthread("again"), () -> m.lock());
        assertThatThrownBy(k::run).isInstanceOf(TaskFailedException.class).hasMessageContaining("exited holding [m]");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void waitingOutsideATaskIsRefused(Backend b) {
        Kernel k = Backends.kernel(b, 1);
        Completion c = k.completion("c");
        assertThatThrownBy(c::waitForCompletion).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("wait_for_completion('c') called outside an emulated task");
        assertThatThrownBy(() -> k.work(10)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("work called outside");
        assertThatThrownBy(() -> k.mutex("m").lock()).isInstanceOf(IllegalStateException.class);
        k.spawn(TaskSpec.kthread("t"), c::complete);
        k.run();
        assertThat(c.done()).isTrue();
    }

    @Test
    void kthreadBindMaskForbidsLaterChanges() {
        Kernel k = Backends.sim(4);
        Task t = k.kthreadCreate("bound", () -> k.work(100));
        k.kthreadBindMask(t, CpuMask.of(2));
        assertErrno(() -> k.setAffinity(t, CpuMask.of(1)), Errno.EINVAL, "sched_setaffinity:no_setaffinity");
        k.wakeUpProcess(t);
        k.run();
        assertThat(t.cpu()).isEqualTo(2);
        assertErrno(() -> k.kthreadBindMask(t, CpuMask.of(1)), Errno.EINVAL, "kthread_bind_mask:state");
    }

    @Test
    void cpulistParsing() {
        assertThat(CpuMask.parse("0-3,8,10-11").toString()).isEqualTo("0-3,8,10-11");
        assertThat(CpuMask.parse("0-3,8").weight()).isEqualTo(5);
        assertErrno(() -> CpuMask.parse("3-1"), Errno.EINVAL, "cpulist");
        assertErrno(() -> CpuMask.parse("a"), Errno.EINVAL, "cpulist");
    }
}
