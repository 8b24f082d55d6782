package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelTimer;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.ThrottleModel;
import org.kemu.schedfair.Topology;

/**
 * The root domain's kept counts (rd->overload, nr_busy_cpus per LLC, idle_cpu, root h_nr_running
 * and load) agree with a scan of every CPU while tasks fork, sleep, wake, throttle and migrate, and
 * the invariant checker notices when one of them is wrong.
 */
class RootDomainTest {
    private static final long MS = 1_000_000L;

    @ParameterizedTest
    @EnumSource(ThrottleModel.class)
    void countsAgreeWithAScanThroughThrottlingAndBalancing(ThrottleModel model) {
        // 2 nodes x 2 LLCs x 2 cores x 2 threads: SMT, MC, DIE and NUMA levels all present
        Topology topo = new Topology(2, 4, 2, 1L << 30, 2);
        MachineSpec m = new MachineSpec("rd-test", topo, MachineSpec.simple(1).bandwidth(),
                MachineSpec.simple(1).costs());
        Kernel k = Kernels.simulated(KernelConfig.of(m, 5).withPickPolicy(PickPolicy.CFS).withThrottleModel(model));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "capped");
        g.writeCpuMax("250000 100000");
        for (int i = 0; i < 24; i++) {
            int n = i;
            k.spawn(TaskSpec.user("t" + i, 1), () -> {
                for (int r = 0; r < 20; r++) {
                    k.work((1 + n % 3) * MS);
                    if (n % 4 == 0) {
                        k.sleep(MS / 2);
                    }
                }
            }, t -> {
                if (n % 2 == 0) {
                    cc.attach(t, g);
                }
            });
        }
        List<String> seen = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        int[] checks = {0};
        KernelTimer[] check = new KernelTimer[1];
        check[0] = k.timer("check", () -> {
            checks[0]++;
            seen.addAll(FairInvariants.violations(k));
            RootDomain rd = ((SimKernel) k).core().balance.rd;
            rd.nrRunning[3] += 2;
            broken.addAll(FairInvariants.violations(k));
            rd.nrRunning[3] -= 2;
            check[0].start(k.now() + MS / 4);
        });
        check[0].start(MS / 4);
        k.run();
        assertThat(checks[0]).isGreaterThan(20);
        assertThat(seen).isEmpty();
        assertThat(broken).anyMatch(v -> v.startsWith("root domain has cpu 3 at h_nr_running"));
    }
}
