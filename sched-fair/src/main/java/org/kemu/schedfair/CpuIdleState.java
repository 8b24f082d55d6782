package org.kemu.schedfair;

/**
 * One cpuidle state ({@code struct cpuidle_state}) as the driver declares it.
 *
 * @param name the state's name (sysfs {@code cpuidle/stateN/name})
 * @param exitLatencyNs {@code exit_latency_ns}: the declared worst-case time to leave the state; the
 *     menu governor compares it with the latency limit, and a task woken on a CPU in this state waits
 *     this long before it runs (kemu has no separate physical figure: see {@link CpuIdleDriver})
 * @param targetResidencyNs {@code target_residency_ns}: the shortest idle time for which entering the
 *     state pays off
 * @param polling {@code CPUIDLE_FLAG_POLLING}: the CPU spins in {@code poll_idle} and wakes at once
 */
public record CpuIdleState(String name, long exitLatencyNs, long targetResidencyNs, boolean polling) {
    /** drivers/cpuidle/poll_state.c: state 0 on x86 (CONFIG_ARCH_HAS_CPU_RELAX), exit latency and residency 0. */
    public static final CpuIdleState POLL = new CpuIdleState("POLL", 0, 0, true);

    public CpuIdleState {
        KernelException.require(name != null && !name.isEmpty(), Errno.EINVAL, "cpuidle:name", "an idle state needs a name");
        KernelException.require(exitLatencyNs >= 0 && targetResidencyNs >= 0, Errno.EINVAL, "cpuidle:latency",
                "idle state '" + name + "': exit latency and target residency must not be negative");
    }
}
