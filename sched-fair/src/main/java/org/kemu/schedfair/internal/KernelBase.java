package org.kemu.schedfair.internal;

import java.util.random.RandomGenerator;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.MachineSpec;

/** What both backends share: the configuration, seeded randomness and the affinity checks. */
public abstract class KernelBase implements Kernel {
    protected final KernelConfig config;
    private final SeededRandoms randoms;

    protected KernelBase(KernelConfig config) {
        this.config = config;
        this.randoms = new SeededRandoms(config.seed());
    }

    @Override
    public MachineSpec machine() {
        return config.machine();
    }

    @Override
    public long seed() {
        return config.seed();
    }

    @Override
    public RandomGenerator random(String component) {
        return randoms.forComponent(component);
    }

    /**
     * sched_setaffinity's checks for {@code name}'s mask: null means every online CPU; a mask naming
     * CPUs beyond the machine, or with no online CPU, is EINVAL.
     */
    protected CpuMask checkMask(CpuMask mask, String name) {
        CpuMask online = onlineMask();
        if (mask == null) {
            return online;
        }
        int nrCpus = topology().nrCpus();
        KernelException.require(mask.lastCpu() < nrCpus, Errno.EINVAL, "sched_setaffinity:range",
                "affinity " + mask + " of '" + name + "' names CPUs beyond " + (nrCpus - 1));
        KernelException.require(mask.intersects(online), Errno.EINVAL, "sched_setaffinity:online",
                "affinity " + mask + " of '" + name + "' has no online CPU");
        return mask;
    }
}
