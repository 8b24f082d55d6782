package org.kemu.schedfair.hosted;

/** What the hosted backend keeps of a task beside its task struct: the wake-up permit and exit time. */
final class HostedTask {
    /** Set by wake/endSpin under the primitive's guard; consumed by the woken task under the same guard. */
    volatile boolean wakeup;
    volatile boolean sleeping;
    volatile long cpuNsAtExit = -1;
}
