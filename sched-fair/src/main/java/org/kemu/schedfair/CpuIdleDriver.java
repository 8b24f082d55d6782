package org.kemu.schedfair;

import java.util.List;

/**
 * A cpuidle driver's state table ({@code struct cpuidle_driver}), shallowest first. On x86 both
 * drivers the published machines use, intel_idle and acpi_idle, register {@code poll_idle} as state
 * 0 (cpuidle_poll_state_init), then the hardware states in order of depth; the menu governor
 * (drivers/cpuidle/governors/menu.c) picks among them each time a CPU goes idle.
 *
 * <p>The exit latency a woken task waits is the declared {@code exit_latency_ns} while the rest of
 * the machine sleeps too, and the state's {@link CpuIdleState#pc0ExitLatencyNs} while another CPU
 * runs (no package C-state can be in force then: Xeon's package C6 has system scope). Where no
 * separate measurement is known the two are the same.
 *
 * @param name the driver ({@code /sys/devices/system/cpu/cpuidle/current_driver})
 * @param states the states, state 0 the polling one
 */
public record CpuIdleDriver(String name, List<CpuIdleState> states) {
    /** A CPU that only polls when idle (e.g. idle=poll, or a test machine): waking it costs nothing. */
    public static final CpuIdleDriver POLL_ONLY = new CpuIdleDriver("none", List.of(CpuIdleState.POLL));

    public CpuIdleDriver {
        KernelException.require(name != null, Errno.EINVAL, "cpuidle:driver", "a cpuidle driver needs a name");
        states = List.copyOf(states);
        KernelException.require(!states.isEmpty() && states.get(0).polling(), Errno.EINVAL, "cpuidle:state0",
                "cpuidle driver '" + name + "': state 0 must be the polling state (cpuidle_poll_state_init)");
        for (int i = 1; i < states.size(); i++) {
            CpuIdleState s = states.get(i);
            KernelException.require(!s.polling(), Errno.EINVAL, "cpuidle:polling",
                    "cpuidle driver '" + name + "': only state 0 may poll, state " + i + " '" + s.name() + "' does");
            CpuIdleState p = states.get(i - 1);
            KernelException.require(s.targetResidencyNs() >= p.targetResidencyNs() && s.exitLatencyNs() >= p.exitLatencyNs(),
                    Errno.EINVAL, "cpuidle:order", "cpuidle driver '" + name + "': state " + i + " '" + s.name()
                            + "' is shallower than state " + (i - 1) + " (states are listed shallowest first)");
        }
    }

    public int count() {
        return states.size();
    }

    public CpuIdleState state(int i) {
        return states.get(i);
    }
}
