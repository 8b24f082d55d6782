package org.kemu.padatacore;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;
import org.kemu.padatacore.kthread.DefaultPadataFactory;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;

/** Test plumbing: kernels, padata instances and running a job from a user task. */
final class PadataHarness {
    private PadataHarness() {
    }

    static Kernel sim(int cpus, long seed) {
        return Kernels.simulated(KernelConfig.of(MachineSpec.simple(cpus), seed));
    }

    static Kernel hosted(int cpus, long seed) {
        return Kernels.hosted(KernelConfig.of(MachineSpec.simple(cpus), seed));
    }

    /** The series without the CFS-bandwidth cap, which needs the cpu controller. */
    static PadataFeatures noCgroup() {
        return PadataFeatures.rfc2022().withCapCfsBandwidth(false);
    }

    static Padata padata(Kernel k, PadataFeatures f) {
        return new DefaultPadataFactory(f, PadataCosts.FREE).forKernel(k);
    }

    /** Spawns a user task running {@code body}, runs the kernel, and returns what the body returned. */
    static int runJob(Kernel k, TaskSpec spec, ToIntFunction<Kernel> body) {
        AtomicReference<Integer> ret = new AtomicReference<>();
        k.spawn(spec, () -> ret.set(body.applyAsInt(k)));
        k.run();
        return ret.get();
    }

    static int runJob(Kernel k, ToIntFunction<Kernel> body) {
        return runJob(k, TaskSpec.user("main", 100), body);
    }

    /** A view of {@code k} whose cpu controller is {@code cpu}: lets tests observe padata's calls. */
    static Kernel withCpuController(Kernel k, CpuController cpu) {
        InvocationHandler h = (proxy, m, args) -> {
            if (m.getName().equals("cpuController") && m.getParameterCount() == 0) {
                return cpu;
            }
            try {
                return m.invoke(k, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Kernel) Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class}, h);
    }
}
