package org.kemu.schedfair;

/**
 * Per-lock statistics in the spirit of /proc/lock_stat: how often the lock was taken, how often a
 * taker had to wait, and the total and longest wait (ns of virtual time, or real time when hosted).
 */
public record LockStats(String name, String kind, long acquisitions, long contentions, long totalWaitNs,
        long maxWaitNs) {
}
