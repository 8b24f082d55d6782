package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error site of the Kernel facade, the primitives and the cpu controller, on both backends:
 * the checks are written once (KernelBase, the internal primitives, CpuCgroupFiles), and these
 * tests keep either backend from growing its own version of one.
 */
class KernelChecksTest {

    static Stream<Backend> backends() {
        return Backends.both();
    }

    private static void fails(ThrowingCallable c, Errno errno, String check) {
        assertThatThrownBy(c).isInstanceOfSatisfying(KernelException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.check()).isEqualTo(check);
        });
    }

    /** Runs {@code body} in a task and returns what it threw, or null. */
    private static Throwable inTask(Kernel k, TaskBody body) {
        Throwable[] thrown = new Throwable[1];
        k.spawn(TaskSpec.kthread("probe"), () -> {
            try {
                body.run();
            } catch (KernelException e) {
                thrown[0] = e;
            }
        });
        k.run();
        return thrown[0];
    }

    private static void failsInTask(Kernel k, TaskBody body, Errno errno, String check) {
        assertThat(inTask(k, body)).isInstanceOfSatisfying(KernelException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.check()).isEqualTo(check);
        });
    }

    @ParameterizedTest
    @MethodSource("backends")
    void kthreadBindMaskChecks(Backend b) {
        // kthread_bind_mask: null is the caller's bug, named as kthread_bind_mask's (not sched_setaffinity's)
        Kernel k = Backends.kernel(b, 4);
        Task t = k.kthreadCreate("bound", () -> { });
        fails(() -> k.kthreadBindMask(t, null), Errno.EINVAL, "kthread_bind_mask:null");
        fails(() -> k.kthreadBindMask(t, CpuMask.of(7)), Errno.EINVAL, "sched_setaffinity:range");
        k.kthreadBindMask(t, CpuMask.of(2));
        fails(() -> k.setAffinity(t, CpuMask.of(1)), Errno.EINVAL, "sched_setaffinity:no_setaffinity");
        assertThat(t.affinity()).isEqualTo(CpuMask.of(2));
        k.wakeUpProcess(t);
        k.run();
        fails(() -> k.kthreadBindMask(t, CpuMask.of(1)), Errno.EINVAL, "kthread_bind_mask:state");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void affinityChecks(Backend b) {
        Kernel k = Backends.kernel(b, 4);
        Task t = k.kthreadCreate("t", () -> { });
        fails(() -> k.setAffinity(t, null), Errno.EINVAL, "sched_setaffinity:null");
        fails(() -> k.setAffinity(t, CpuMask.of(4)), Errno.EINVAL, "sched_setaffinity:range");
        fails(() -> k.setUserNice(t, 20), Errno.EINVAL, "nice");
        k.setUserNice(t, 5);
        assertThat(t.nice()).isEqualTo(5);
        assertThat(t.weight()).isEqualTo(Nice.weight(SchedPolicy.NORMAL, 5));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aForeignTaskIsEsrch(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        Kernel other = Backends.kernel(b, 2);
        Task foreign = other.kthreadCreate("foreign", () -> { });
        fails(() -> k.wakeUpProcess(foreign), Errno.ESRCH, "task");
        fails(() -> k.setUserNice(foreign, 1), Errno.ESRCH, "task");
        fails(() -> k.setAffinity(foreign, CpuMask.of(0)), Errno.ESRCH, "task");
        fails(() -> k.kthreadBindMask(foreign, CpuMask.of(0)), Errno.ESRCH, "task");
        fails(() -> k.sendFatalSignal(foreign), Errno.ESRCH, "task");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void joinChecks(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        Task never = k.kthreadCreate("never", () -> { });
        failsInTask(k, () -> k.join(never), Errno.EINVAL, "join:never_woken");
        Kernel k2 = Backends.kernel(b, 2);
        failsInTask(k2, () -> k2.join(k2.current()), Errno.EDEADLK, "join:self");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void workChecks(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        failsInTask(k, () -> k.work(-1), Errno.EINVAL, "work:negative");
        Kernel k2 = Backends.kernel(b, 2);
        failsInTask(k2, () -> k2.work(1, 1, 10), Errno.EINVAL, "work:node");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void releasingALockOneDoesNotHoldIsEperm(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        failsInTask(k, () -> k.mutex("m").unlock(), Errno.EPERM, "mutex_unlock:owner");
        Kernel k2 = Backends.kernel(b, 2);
        failsInTask(k2, () -> k2.spinlock("s").unlock(), Errno.EPERM, "spin_unlock:owner");
        Kernel k3 = Backends.kernel(b, 2);
        failsInTask(k3, () -> k3.rwsem("r").upRead(), Errno.EPERM, "up_read:owner");
        Kernel k4 = Backends.kernel(b, 2);
        failsInTask(k4, () -> k4.rwsem("r").upWrite(), Errno.EPERM, "up_write:owner");
        Kernel k5 = Backends.kernel(b, 2);
        failsInTask(k5, () -> k5.rwsem("r").downgradeWrite(), Errno.EPERM, "downgrade_write:owner");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void killableWaitsFailWithEintrWhenASignalIsPending(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        Mutex m = k.mutex("m");
        RwSemaphore r = k.rwsem("r");
        List<String> checks = new ArrayList<>();
        k.spawn(TaskSpec.kthread("t"), () -> {
            k.sendFatalSignal(k.current());
            assertThat(k.fatalSignalPending()).isTrue();
            for (TaskBody body : List.<TaskBody>of(m::lockKillable, r::downWriteKillable)) {
                try {
                    body.run();
                } catch (KernelException e) {
                    assertThat(e.errno()).isEqualTo(Errno.EINTR);
                    checks.add(e.check());
                }
            }
        });
        k.run();
        assertThat(checks).containsExactly("mutex_lock_killable", "down_write_killable");
        assertThat(m.isLocked()).isFalse();
    }

    /**
     * A writer killed while it waits leaves the queue, and the readers queued behind it get the
     * lock at once (rwsem_down_write_slowpath's out_nolock path calls rwsem_mark_wake).
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aKilledWaitingWriterLetsTheReadersBehindItGo(Backend b) {
        Kernel k = Backends.kernel(b, 4);
        RwSemaphore r = k.rwsem("r");
        Completion writerQueued = k.completion("writer queued");
        Completion readerQueued = k.completion("reader queued");
        Completion readerDone = k.completion("reader done");
        Throwable[] writerGot = new Throwable[1];
        Task[] writer = new Task[1];
        k.spawn(TaskSpec.kthread("holder"), () -> {
            r.downRead();
            writerQueued.waitForCompletion();
            readerQueued.waitForCompletion();
            // lets the reader queue behind the writer (always in virtual time, most often on real threads)
            k.sleep(1_000_000);
            k.sendFatalSignal(writer[0]);
            // the reader behind the killed writer gets in while the holder still reads
            readerDone.waitForCompletion();
            r.upRead();
        });
        writer[0] = k.spawn(TaskSpec.kthread("writer"), () -> {
            while (r.readers() == 0) {
                k.sleep(10_000);
            }
            writerQueued.completeAll();
            try {
                r.downWriteKillable();
                r.upWrite();
            } catch (KernelException e) {
                writerGot[0] = e;
            }
        });
        k.spawn(TaskSpec.kthread("reader"), () -> {
            writerQueued.waitForCompletion();
            while (!r.isContended()) {
                k.sleep(10_000);
            }
            readerQueued.complete();
            r.downRead();
            r.upRead();
            readerDone.complete();
        });
        k.run();
        assertThat(writerGot[0]).isInstanceOfSatisfying(KernelException.class,
                e -> assertThat(e.check()).isEqualTo("down_write_killable"));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cgroupChecks(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        fails(() -> cc.mkdir(cc.root(), "g"), Errno.EEXIST, "cgroup_mkdir:exists");
        fails(() -> cc.mkdir(cc.root(), "a/b"), Errno.EINVAL, "cgroup_mkdir:name");
        fails(() -> cc.rmdir(cc.root()), Errno.EINVAL, "cgroup_rmdir:root");
        cc.mkdir(g, "child");
        fails(() -> cc.rmdir(g), Errno.EBUSY, "cgroup_rmdir:children");
        Kernel other = Backends.kernel(b, 2);
        CpuCgroup foreign = other.cpuController().mkdir(other.cpuController().root(), "f");
        fails(() -> cc.mkdir(foreign, "x"), Errno.ENOENT, "cgroup");
        fails(() -> cc.maxCfsBandwidthCpus(foreign), Errno.ENOENT, "cgroup");
        Task t = k.spawn(TaskSpec.user("t", 1), () -> k.work(1000));
        cc.attach(t, g);
        assertThat(cc.cgroupOf(t)).isSameAs(g);
        k.run();
        fails(() -> cc.attach(t, cc.root()), Errno.ESRCH, "cgroup_attach:dead");
    }
}
