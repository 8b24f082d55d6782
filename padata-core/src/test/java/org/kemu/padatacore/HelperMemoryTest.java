package org.kemu.padatacore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.MemCgroup;
import org.kemu.schedfair.Mempolicy;
import org.kemu.schedfair.NodeMask;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskMemory;

/**
 * The RFC's memory TODOs as padata switches (docs/kernel/padata.md section 3.1): ACTIVE_MEMCG makes helpers
 * charge mm-less allocations to the main task's memcg through set_active_memcg (5.14 include/linux/sched/mm.h;
 * the charge target is get_mem_cgroup_from_mm(NULL) / get_obj_cgroup_from_current), FOLLOW_MAIN_MEMS gives them
 * the main task's mems_allowed and mempolicy.
 */
class HelperMemoryTest {
    private static final long UNITS = 400;

    /**
     * A 400-unit job of chunks of 25 on 4 threads, each unit charging one page the way an __GFP_ACCOUNT
     * allocation does (to the current task's charge target); undo uncharges what the chunk charged. Returns
     * padata's result; {@code targets} collects the memcg each chunk charged.
     */
    private static int chargeJob(PadataFeatures f, MemCgroup mainCg, List<MemCgroup> targets) {
        // what each completed chunk charged, by its start: the page's memcg (page_memcg) undo must uncharge
        TreeMap<Long, Charged> charged = new TreeMap<>();
        Kernel k = PadataHarness.sim(4, 1);
        Padata padata = PadataHarness.padata(k, f.withReturnFirstError(true).withUndo(true));
        return PadataHarness.runJob(k, kk -> {
            TaskMemory.set(kk.current(), TaskMemory.DEFAULTS.withMemcg(mainCg));
            return padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
                MemCgroup cg = TaskMemory.of(kk.current()).chargeTarget();
                kk.work(1_000_000);
                try {
                    cg.charge(e - s);
                } catch (KernelException x) {
                    return -x.errno().value();
                }
                synchronized (targets) {
                    targets.add(cg);
                    charged.put(s, new Charged(e - s, cg));
                }
                return 0;
            }).undo((s, e, a) -> {
                // the undo runs in the main task after the helpers left, over one stretch of completed chunks:
                // uncharge the group each chunk charged (the page's memcg, page_memcg(), not the undoer's)
                synchronized (targets) {
                    var stretch = charged.subMap(s, e);
                    for (Charged c : stretch.values()) {
                        c.memcg().uncharge(c.pages());
                        targets.remove(c.memcg());
                    }
                    stretch.clear();
                }
            }).size(UNITS).minChunk(25).maxThreads(4).build());
        });
    }

    @Test
    void withActiveMemcgHelpersChargeTheMainTasksGroup() {
        MemCgroup cg = MemCgroup.ROOT.child("vm", MemCgroup.MAX);
        List<MemCgroup> targets = new ArrayList<>();
        int ret = chargeJob(PadataHarness.noCgroup().withActiveMemcg(true), cg, targets);
        assertThat(ret).isZero();
        assertThat(targets).hasSize(16).containsOnly(cg);
        assertThat(cg.current()).isEqualTo(UNITS);
    }

    @Test
    void withoutTheSwitchHelpersChargeTheirOwnRootGroup() {
        // the RFC: helpers are kthreads of the root memcg, so what they charge escapes the main task's memory.max
        MemCgroup cg = MemCgroup.ROOT.child("vm", MemCgroup.MAX);
        List<MemCgroup> targets = new ArrayList<>();
        assertThat(chargeJob(PadataHarness.noCgroup(), cg, targets)).isZero();
        assertThat(targets).contains(cg, MemCgroup.ROOT);
        long mainChunks = targets.stream().filter(c -> c == cg).count();
        // only the main thread's chunks reach the group
        assertThat(cg.current()).isEqualTo(mainChunks * 25).isLessThan(UNITS);
    }

    @Test
    void aMemoryMaxBreachFailsTheJobWithEnomemAndTheUndoUnchargesEverything() {
        // try_charge: past memory.max (and nothing reclaimable) the charge fails; padata returns the first error
        // and undoes the completed chunks, so memory.current is back where it started
        MemCgroup cg = MemCgroup.ROOT.child("vm", 110);
        List<MemCgroup> targets = new ArrayList<>();
        int ret = chargeJob(PadataHarness.noCgroup().withActiveMemcg(true), cg, targets);
        assertThat(ret).isEqualTo(-Errno.ENOMEM.value());
        assertThat(cg.current()).isZero();
        assertThat(cg.failcnt()).isPositive();
        assertThat(cg.watermark()).isLessThanOrEqualTo(110);
        assertThat(targets).isEmpty();
    }

    @Test
    void withoutActiveMemcgTheSameLimitIsNotReached() {
        MemCgroup cg = MemCgroup.ROOT.child("vm", 110);
        List<MemCgroup> targets = new ArrayList<>();
        assertThat(chargeJob(PadataHarness.noCgroup(), cg, targets)).isZero();
        assertThat(cg.current()).isLessThanOrEqualTo(110);
        assertThat(cg.failcnt()).isZero();
    }

    private record Charged(long pages, MemCgroup memcg) {
    }

    /** The TaskMemory each chunk ran under, tagged with whether the main task ran it. */
    private record Seen(boolean main, TaskMemory memory) {
    }

    private static List<Seen> memsJob(PadataFeatures f, TaskMemory mainMemory, TaskMemory[] helperAfter) {
        Kernel k = PadataHarness.sim(4, 1);
        Padata padata = PadataHarness.padata(k, f);
        List<Seen> seen = new ArrayList<>();
        List<Task> helpers = new ArrayList<>();
        PadataHarness.runJob(k, kk -> {
            Task main = kk.current();
            TaskMemory.set(main, mainMemory);
            return padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
                Task me = kk.current();
                kk.work(1_000_000);
                seen.add(new Seen(me == main, TaskMemory.of(me)));
                if (me != main) {
                    helpers.add(me);
                }
                return 0;
            }).size(UNITS).minChunk(25).maxThreads(4).build());
        });
        helperAfter[0] = TaskMemory.of(helpers.get(0));
        return seen;
    }

    @Test
    void followMainMemsGivesHelpersTheMainTasksCpusetAndPolicyForTheJob() {
        TaskMemory mine = TaskMemory.DEFAULTS.withMemsAllowed(NodeMask.of(1))
                .withMempolicy(Mempolicy.set(Mempolicy.Mode.BIND, NodeMask.of(1), NodeMask.of(1)));
        TaskMemory[] after = new TaskMemory[1];
        List<Seen> seen = memsJob(PadataHarness.noCgroup().withFollowMainMems(true), mine, after);
        assertThat(seen).anyMatch(s -> !s.main());
        assertThat(seen).allSatisfy(s -> {
            assertThat(s.memory().memsAllowed()).isEqualTo(NodeMask.of(1));
            assertThat(s.memory().mempolicy().mode()).isEqualTo(Mempolicy.Mode.BIND);
            // only the memory fields come over: no active memcg without ACTIVE_MEMCG
            assertThat(s.memory().activeMemcg()).isNull();
        });
        // a helper's own fields are back once it leaves the job
        assertThat(after[0]).isEqualTo(TaskMemory.DEFAULTS);
    }

    @Test
    void withoutFollowMainMemsHelpersKeepTheRootCpusetAndDefaultPolicy() {
        TaskMemory mine = TaskMemory.DEFAULTS.withMemsAllowed(NodeMask.of(1))
                .withMempolicy(Mempolicy.set(Mempolicy.Mode.PREFERRED, NodeMask.of(1), NodeMask.of(1)));
        TaskMemory[] after = new TaskMemory[1];
        List<Seen> seen = memsJob(PadataHarness.noCgroup(), mine, after);
        assertThat(seen).filteredOn(s -> !s.main()).isNotEmpty()
                .allSatisfy(s -> assertThat(s.memory()).isEqualTo(TaskMemory.DEFAULTS));
        assertThat(seen).filteredOn(Seen::main).allSatisfy(s -> assertThat(s.memory()).isEqualTo(mine));
    }

    @Test
    void theSeriesAndMainlineLeaveBothSwitchesOff() {
        assertThat(PadataFeatures.rfc2022().activeMemcg()).isFalse();
        assertThat(PadataFeatures.rfc2022().followMainMems()).isFalse();
        assertThat(PadataFeatures.mainline().activeMemcg()).isFalse();
        assertThat(PadataFeatures.mainline().followMainMems()).isFalse();
    }
}
