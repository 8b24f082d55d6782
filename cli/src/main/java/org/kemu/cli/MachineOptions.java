package org.kemu.cli;

import org.kemu.lab.LabConfig;
import org.kemu.schedfair.KernelVersion;
import picocli.CommandLine.Option;

/** The options every command that boots a kernel shares: which machine, the run's seed, which kernel. */
final class MachineOptions {
    @Option(names = "--profile", defaultValue = "intel-8167m",
            description = "machine profile: a built-in name (intel-8167m, amd-7j13; see kemu profiles) or a profile"
                    + " JSON file (default: ${DEFAULT-VALUE})")
    String profile;

    @Option(names = "--seed", defaultValue = "1", description = "the run's seed: it draws where in its jiffy the run starts (threaded runs'"
            + " lock waits depend on it, so compare them over a few seeds), the random and fragmented memory"
            + " layouts and the post-5.14 period-timer phases (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--kernel-version", defaultValue = "5.14", converter = KernelVersionConverter.class,
            description = "the kernel release whose behaviour to follow: 5.14, 6.6 or 6.18 (pick rule, throttle"
                    + " model, cpu.stat fields, timer phase, type1 checks; docs/kernel-versions.md)"
                    + " (default: ${DEFAULT-VALUE})")
    KernelVersion kernelVersion;

    /** {@code c} on this kernel version. */
    LabConfig apply(LabConfig c) {
        return c.withKernelVersion(kernelVersion);
    }

    static final class KernelVersionConverter implements picocli.CommandLine.ITypeConverter<KernelVersion> {
        @Override
        public KernelVersion convert(String value) {
            try {
                return KernelVersion.parse(value);
            } catch (org.kemu.schedfair.KernelException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
