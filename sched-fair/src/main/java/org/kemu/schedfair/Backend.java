package org.kemu.schedfair;

/** How the emulated kernel's code is executed. */
public enum Backend {
    /** Deterministic virtual time on an emulated machine of any size. */
    SIMULATED,
    /** Real platform threads, real locks and real time on the host. */
    HOSTED
}
