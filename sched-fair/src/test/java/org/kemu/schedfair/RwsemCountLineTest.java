package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The cache line of an rwsem's count (kernel/locking/rwsem.c, v5.14): down_read
 * (rwsem_read_trylock, atomic_long_add_return_acquire) and __up_read
 * (atomic_long_add_return_release) are both atomic read-modify-writes of sem->count, so each pulls
 * the line from the CPU that last wrote it.
 */
class RwsemCountLineTest {
    private static final long TRANSFER = 100;

    private static Kernel sim() {
        MachineSpec m = new MachineSpec("rwsem-line", Topology.uniform(2), new MemoryBandwidth(10e9, 10e9),
                new RuntimeCosts(0, 0, TRANSFER, 2 * TRANSFER, 0));
        return Kernels.simulated(KernelConfig.of(m, 1));
    }

    private static TaskSpec on(String name, int cpu) {
        return TaskSpec.kthread(name).withAffinity(CpuMask.of(cpu));
    }

    /**
     * A reads at 0 and B at 500 on the other CPU, so B's down_read moves the line; A's up_read at 1000
     * moves it back, and B's up_read at 1500 once more. A lone CPU's read sections move nothing.
     */
    @Test
    void upReadPullsTheCountLineBackLikeDownRead() {
        Kernel k = sim();
        RwSemaphore sem = k.rwsem("mmap_lock");
        long[] at = new long[4];
        k.spawn(on("a", 0), () -> {
            sem.downRead();
            at[0] = k.now();
            k.work(1_000);
            sem.upRead();
            at[1] = k.now();
        });
        k.spawn(on("b", 1), () -> {
            k.sleep(500);
            sem.downRead();
            at[2] = k.now();
            k.work(1_000 - TRANSFER);
            sem.upRead();
            at[3] = k.now();
        });
        k.run();
        assertThat(at[0]).isZero();
        assertThat(at[2]).as("b's down_read pulls the line from cpu 0").isEqualTo(500 + TRANSFER);
        assertThat(at[1]).as("a's up_read pulls it back").isEqualTo(1_000 + TRANSFER);
        assertThat(at[3]).as("and b's up_read once more").isEqualTo(1_500 + TRANSFER);
    }

    @Test
    void readSectionsOnOneCpuMoveNothing() {
        Kernel k = sim();
        RwSemaphore sem = k.rwsem("mmap_lock");
        long[] end = new long[1];
        k.spawn(on("a", 0), () -> {
            for (int i = 0; i < 10; i++) {
                sem.downRead();
                k.work(100);
                sem.upRead();
            }
            end[0] = k.now();
        });
        k.run();
        assertThat(end[0]).isEqualTo(1_000);
    }
}
