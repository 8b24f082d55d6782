package org.kemu.schedfair;

import java.util.List;

/**
 * A cgroup v2 group with the cpu controller enabled. Its interface files are read and written as
 * strings, exactly as from a shell, and fail with the kernel's errno (EINVAL for a malformed or
 * out-of-range value; docs/kernel/sched-fair.md sections 1.1 and 2.2).
 */
public interface CpuCgroup {
    /** "/" for the root, "/a/b" below it. */
    String path();

    /** null for the root. */
    CpuCgroup parent();

    List<CpuCgroup> children();

    /** Tasks attached directly to this group. */
    List<Task> tasks();

    /** {@code cpu.max}: "$MAX $PERIOD", MAX being "max" or µs; a single number updates MAX only. */
    void writeCpuMax(String value);

    String readCpuMax();

    /** {@code cpu.max.burst} in µs, in [0, MAX]; absent on the root. */
    void writeCpuMaxBurst(String value);

    String readCpuMaxBurst();

    /** {@code cpu.weight}, 1..10000, default 100. */
    void writeCpuWeight(String value);

    String readCpuWeight();

    /** {@code cpu.weight.nice}, -20..19. */
    void writeCpuWeightNice(String value);

    String readCpuWeightNice();

    /** {@code cpu.idle}, 0 or 1. */
    void writeCpuIdle(String value);

    String readCpuIdle();

    /** {@code cpu.stat} as numbers. */
    CpuStat cpuStat();

    /** {@code cpu.stat} as the file reads. */
    String readCpuStat();
}
