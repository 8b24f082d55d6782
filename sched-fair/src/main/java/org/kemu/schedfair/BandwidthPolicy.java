package org.kemu.schedfair;

/** What the cpu controller does with runtime that kernel threads spend on behalf of a group. */
public enum BandwidthPolicy {
    /** Mainline: kthreads run in the root group and no one is charged for their work. */
    STANDARD,
    /**
     * Patches 15 and 16 of the 2022 series: {@code remoteBegin}/{@code remoteCharge} charge a
     * kthread's runtime to a group as debt, paid from the pool at once as far as it goes and from
     * later refills before new runtime, forgiven when the group's bandwidth is written.
     */
    REMOTE_CHARGING
}
