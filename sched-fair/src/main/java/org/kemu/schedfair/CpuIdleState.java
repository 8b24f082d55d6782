package org.kemu.schedfair;

/**
 * One cpuidle state ({@code struct cpuidle_state}) as the driver declares it, with the physical exit
 * latency while the CPU's package stays awake.
 *
 * @param name the state's name (sysfs {@code cpuidle/stateN/name})
 * @param exitLatencyNs {@code exit_latency_ns}: the declared worst-case time to leave the state, the
 *     figure the kernel plans with (the menu governor's latency limit and its correction of measured
 *     idle time). Drivers declare the package's deepest state behind it: intel_idle's Skylake-SP C6
 *     is described with package C6's exit (Linux commit 64233338, "intel_idle: Adjust the SKX C6
 *     parameters if PC6 is disabled"). A task woken on a CPU in this state while no other CPU runs
 *     waits this long before it runs
 * @param targetResidencyNs {@code target_residency_ns}: the shortest idle time for which entering the
 *     state pays off
 * @param polling {@code CPUIDLE_FLAG_POLLING}: the CPU spins in {@code poll_idle} and wakes at once
 * @param pc0ExitLatencyNs the time to leave the state while another CPU runs: the package stays in
 *     PC0, since a package C-state needs every core idle (on Xeons package C6 needs every CPU of
 *     every socket in core C6: Intel's pepc doc "Xeon C6P and C6SP Idle States"), so only the core's own state is
 *     left. It is at most {@code exitLatencyNs}; equal to it where no separate figure is known or the
 *     state has no package part
 */
public record CpuIdleState(String name, long exitLatencyNs, long targetResidencyNs, boolean polling, long pc0ExitLatencyNs) {
    /** drivers/cpuidle/poll_state.c: state 0 on x86 (CONFIG_ARCH_HAS_CPU_RELAX), exit latency and residency 0. */
    public static final CpuIdleState POLL = new CpuIdleState("POLL", 0, 0, true);

    public CpuIdleState {
        KernelException.require(name != null && !name.isEmpty(), Errno.EINVAL, "cpuidle:name", "an idle state needs a name");
        KernelException.require(exitLatencyNs >= 0 && targetResidencyNs >= 0, Errno.EINVAL, "cpuidle:latency",
                "idle state '" + name + "': exit latency and target residency must not be negative");
        KernelException.require(pc0ExitLatencyNs >= 0 && pc0ExitLatencyNs <= exitLatencyNs, Errno.EINVAL,
                "cpuidle:pc0-latency", "idle state '" + name + "': the exit latency with the package awake ("
                        + pc0ExitLatencyNs + " ns) must lie between 0 and the declared worst case (" + exitLatencyNs + " ns)");
    }

    /** A state whose exit costs the same whatever the package does. */
    public CpuIdleState(String name, long exitLatencyNs, long targetResidencyNs, boolean polling) {
        this(name, exitLatencyNs, targetResidencyNs, polling, exitLatencyNs);
    }

    /** What a task woken on a CPU in this state waits: nothing when polling, else the exit latency for the package's state. */
    public long wakeLatencyNs(boolean packageAwake) {
        return polling ? 0 : packageAwake ? pc0ExitLatencyNs : exitLatencyNs;
    }
}
