package org.kemu.schedfair;

import java.util.stream.Stream;

/** Test helpers: kernels on both backends. */
final class Backends {
    private Backends() {
    }

    static Stream<Backend> both() {
        return Stream.of(Backend.SIMULATED, Backend.HOSTED);
    }

    static Kernel kernel(Backend b, int cpus) {
        return Kernels.create(b, KernelConfig.of(MachineSpec.simple(cpus), 42));
    }

    static Kernel sim(int cpus) {
        return Kernels.simulated(KernelConfig.of(MachineSpec.simple(cpus), 42));
    }
}
