package org.kemu.mmgup.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Backend;
import org.kemu.schedfair.Completion;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;

/**
 * The targets of a TLB shootdown (arch/x86/mm/tlb.c, 5.14: {@code flush_tlb_mm_range ->
 * native_flush_tlb_multi(mm_cpumask(mm))} with {@code tlb_is_not_lazy}): the other CPUs whose
 * current task is a user thread of the mm. A thread of another mm, a kernel thread (lazy TLB, even
 * when it carries the mm) and the initiator's own CPU are not targets.
 */
class TlbFlushTest {
    private static final long MS = 1_000_000;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theTargetsAreTheOtherCpusRunningAUserThreadOfTheMm(Backend backend) {
        Kernel k = Kernels.create(backend, KernelConfig.of(MachineSpec.simple(6), 42));
        MmFixture f = new MmFixture(k, MemoryConfig.ofBytesPerNode(MmFixture.GIB), GupFlavour.FOLIO_BATCHED,
                GupCosts.defaults());
        MmStruct qemu = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        MmStruct other = f.mm.mmCreate("other", Long.MAX_VALUE, false);
        Map<String, Integer> cpuOf = new ConcurrentHashMap<>();
        int[][] found = new int[1][];
        String[] names = {"vcpu", "other-process", "kworker"};
        Completion[] started = new Completion[names.length];
        Completion go = k.completion("go");
        for (int i = 0; i < names.length; i++) {
            Completion s = k.completion("started:" + names[i]);
            started[i] = s;
            String name = names[i];
            TaskSpec spec = name.equals("kworker") ? TaskSpec.kthread(name) : TaskSpec.user(name, i + 2);
            MmStruct mm = name.equals("other-process") ? other : qemu;
            k.spawn(spec, () -> {
                cpuOf.put(name, k.current().cpu());
                s.complete();
                k.work(10 * MS); // on its CPU while the initiator looks
                go.waitForCompletion();
            }, t -> t.attach(MmStruct.class, mm));
        }
        k.spawn(TaskSpec.user("qemu", 1), () -> {
            for (Completion s : started) {
                s.waitForCompletion();
            }
            cpuOf.put("qemu", k.current().cpu());
            int[] into = new int[k.topology().nrCpus()];
            int n = TlbFlush.of(k).otherCpusRunning(qemu, into);
            found[0] = Arrays.copyOf(into, n);
            go.completeAll();
        }, t -> t.attach(MmStruct.class, qemu));
        MmFixture.runAll(k);
        if (backend == Backend.SIMULATED) {
            assertThat(cpuOf.values()).doesNotHaveDuplicates().hasSize(4);
            assertThat(found[0]).containsExactly(cpuOf.get("vcpu"));
        } else {
            // hosted tasks are on no emulated CPU, so no emulated CPU is a target
            assertThat(found[0]).isEmpty();
        }
    }
}
