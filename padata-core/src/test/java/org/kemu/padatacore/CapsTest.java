package org.kemu.padatacore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/** Patches 10, 11, 12 and 15 (docs/kernel/padata.md section 3.2, docs/kernel/sched-fair.md sections 3.2 and 3.4). */
class CapsTest {

    private static PadataMtJob<Object> bigJob(Kernel k, Set<Task> threads, int maxThreads) {
        return PadataMtJob.<Object>builder((s, e, a) -> {
            threads.add(k.current());
            k.work(1_000_000);
            return 0;
        }).size(1024).minChunk(1).maxThreads(maxThreads).build();
    }

    @Test
    void mainTaskAllowedOnFourCpusGetsAtMostFourThreadsBoundThere() {
        Kernel k = PadataHarness.sim(8, 1);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup());
        Set<Task> threads = new HashSet<>();
        CpuMask four = CpuMask.range(2, 6);
        PadataHarness.runJob(k, TaskSpec.user("main", 100).withAffinity(four),
                kk -> padata.doMultithreaded(bigJob(kk, threads, 16)));
        assertThat(threads).hasSize(4);
        List<Task> helpers = k.tasks().stream().filter(t -> t.name().equals("padata")).toList();
        assertThat(helpers).hasSize(3).allSatisfy(h -> assertThat(h.affinity()).isEqualTo(four));
    }

    @Test
    void withoutPatch10HelpersIgnoreTheMainTasksAffinity() {
        Kernel k = PadataHarness.sim(8, 1);
        Padata padata = PadataHarness.padata(k, PadataHarness.noCgroup().withFollowMainAffinity(false));
        Set<Task> threads = new HashSet<>();
        PadataHarness.runJob(k, TaskSpec.user("main", 100).withAffinity(CpuMask.range(2, 6)),
                kk -> padata.doMultithreaded(bigJob(kk, threads, 16)));
        assertThat(threads).hasSize(8);
    }

    /** Runs two jobs started together; returns the most job threads that ever existed at once. */
    private static int twoConcurrentJobs(PadataFeatures f) {
        Kernel k = PadataHarness.sim(8, 5);
        Padata a = PadataHarness.padata(k, f);
        Padata b = PadataHarness.padata(k, f);
        int[] live = {0};
        int[] maxLive = {0};
        List<Integer> inuse = new ArrayList<>();
        for (Padata p : List.of(a, b)) {
            k.spawn(TaskSpec.user("main-" + (p == a ? "a" : "b"), 100), () -> {
                Set<Task> seen = new HashSet<>();
                p.doMultithreaded(PadataMtJob.<Object>builder((s, e, arg) -> {
                    if (seen.add(k.current())) {
                        live[0]++;
                        maxLive[0] = Math.max(maxLive[0], live[0]);
                    }
                    inuse.add(p.worksInUse());
                    k.work(1_000_000);
                    return 0;
                }).size(1200).minChunk(1).maxThreads(6).build());
                live[0] -= seen.size();
            });
        }
        k.run();
        assertThat(a.worksInUse()).isZero();
        if (f.capOnlineCpus()) {
            assertThat(inuse).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(8));
        }
        return maxLive[0];
    }

    @Test
    void twoConcurrentJobsOnEightCpusNeverExceedEightThreads() {
        // patch 11: padata_works_inuse, main threads included, stays below num_online_cpus()
        assertThat(twoConcurrentJobs(PadataHarness.noCgroup())).isEqualTo(8);
        // ablation: each job alone fits (6 threads); without the cap only the pool of
        // num_possible_cpus() = 8 helper items bounds them, plus the two main threads
        assertThat(twoConcurrentJobs(PadataHarness.noCgroup().withCapOnlineCpus(false))).isEqualTo(10);
    }

    @Test
    void aMainArrivingWhenEveryCpuIsTakenRunsAloneButStillCounts() {
        // main-a forks its 7 helpers while main-b still occupies CPU 1, so find_idlest_cpu doubles
        // one helper up on a busy CPU; main-b then sleeps and CPU 1's newidle_balance pulls that
        // never-run helper (task_hot: exec_start is 0 from __sched_fork, so it is cold), which does
        // chunks before main-b wakes. Without that pull it waits out the whole job behind a helper
        // within its slice and job A has 7 threads.
        // patch 11 cannot refuse the caller itself: the second main gets no helper
        Kernel k = PadataHarness.sim(8, 6);
        Padata p = PadataHarness.padata(k, PadataHarness.noCgroup());
        Set<Task> first = new HashSet<>();
        Set<Task> second = new HashSet<>();
        k.spawn(TaskSpec.user("main-a", 100), () -> p.doMultithreaded(bigJob(k, first, 8)));
        k.spawn(TaskSpec.user("main-b", 100), () -> {
            k.sleep(1_000_000);
            p.doMultithreaded(bigJob(k, second, 8));
        });
        k.run();
        assertThat(first).hasSize(8);
        assertThat(second).hasSize(1);
        assertThat(p.worksInUse()).isZero();
    }

    @Test
    void cfsBandwidthCapAsObservedThroughTheControllerInterface() {
        // patch 12: nworks = min(nworks, max_cfs_bandwidth_cpus(task_css(current, cpu_cgrp_id)));
        // a stand-in controller answering 3 shows the call without the lead's implementation
        Kernel real = PadataHarness.sim(8, 1);
        List<String> calls = new ArrayList<>();
        Kernel k = PadataHarness.withCpuController(real, new RecordingController(3, calls));
        Padata padata = PadataHarness.padata(k, PadataFeatures.rfc2022().withRemoteCharging(true));
        Set<Task> threads = new HashSet<>();
        PadataHarness.runJob(k, kk -> padata.doMultithreaded(bigJob(kk, threads, 16)));
        assertThat(threads).hasSize(3);
        // patch 15: each helper (not the main) begins once, then charges after every chunk
        assertThat(calls.stream().filter(c -> c.startsWith("begin")).count()).isEqualTo(2);
        assertThat(calls).filteredOn(c -> c.startsWith("begin") || c.startsWith("charge"))
                .allSatisfy(c -> assertThat(c).endsWith("padata"));
        assertThat(calls.stream().filter(c -> c.startsWith("charge")).count()).isPositive();
    }

    /** Patch 12 against the real cpu controller: cpu.max 300000/100000 caps the job at 3 threads. */
    @Test
    void mainTaskInAGroupLimitedToThreeCpusGetsAtMostThreeThreads() {
        Kernel k = PadataHarness.sim(8, 1);
        CpuController cpu = k.cpuController();
        CpuCgroup g = cpu.mkdir(cpu.root(), "vm");
        g.writeCpuMax("300000 100000");
        CpuController c = cpu;
        Padata padata = PadataHarness.padata(k, PadataFeatures.rfc2022());
        Set<Task> threads = new HashSet<>();
        PadataHarness.runJob(k, kk -> {
            c.attach(kk.current(), g);
            return padata.doMultithreaded(bigJob(kk, threads, 16));
        });
        assertThat(threads).hasSizeLessThanOrEqualTo(3).hasSize(3);
    }

    /**
     * Patch 12 with a quota below one period: max_cfs_bandwidth_cpus() is 50000 / 100000 = 0, so
     * nworks is 0, padata_do_multithreaded skips its {@code nworks == 1} shortcut and runs the
     * multithreaded path with the main thread alone: no helper, the job counted in
     * padata_works_inuse (patch 11), and thread_fn called chunk by chunk (chunk_size = size / (1 x
     * load_balance_factor 4) = 256, four calls) instead of once over the whole range.
     */
    @Test
    void quotaBelowOnePeriodCapsAtZeroAndTheMainThreadRunsTheChunkedPathAlone() {
        Kernel k = PadataHarness.sim(8, 1);
        CpuController cpu = k.cpuController();
        CpuCgroup g = cpu.mkdir(cpu.root(), "vm");
        g.writeCpuMax("50000 100000");
        assertThat(cpu.maxCfsBandwidthCpus(g)).isZero();
        Padata padata = PadataHarness.padata(k, PadataFeatures.rfc2022());
        Set<Task> threads = new HashSet<>();
        List<long[]> chunks = new ArrayList<>();
        List<Integer> inuse = new ArrayList<>();
        PadataHarness.runJob(k, kk -> {
            cpu.attach(kk.current(), g);
            return padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
                threads.add(kk.current());
                chunks.add(new long[] {s, e});
                inuse.add(padata.worksInUse());
                kk.work(1_000_000);
                return 0;
            }).size(1024).minChunk(1).maxThreads(16).build());
        });
        assertThat(threads).hasSize(1).allSatisfy(t -> assertThat(t.name()).isNotEqualTo("padata"));
        assertThat(k.tasks()).noneMatch(t -> t.name().equals("padata"));
        assertThat(chunks).hasSize(4);
        assertThat(inuse).containsOnly(1);
        assertThat(padata.worksInUse()).isZero();
    }

    /** A controller that answers max_cfs_bandwidth_cpus with a constant and records remote charging. */
    private record RecordingController(int maxCpus, List<String> calls) implements CpuController {
        @Override
        public CpuCgroup root() {
            return null;
        }

        @Override
        public CpuCgroup mkdir(CpuCgroup parent, String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void rmdir(CpuCgroup group) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void attach(Task task, CpuCgroup group) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CpuCgroup cgroupOf(Task task) {
            return null;
        }

        @Override
        public int maxCfsBandwidthCpus(CpuCgroup group) {
            return maxCpus;
        }

        @Override
        public void remoteBegin(Task kthread, CpuCgroup group) {
            calls.add("begin " + kthread.name());
        }

        @Override
        public void remoteCharge(Task kthread, CpuCgroup group) {
            calls.add("charge " + kthread.name());
        }
    }
}
