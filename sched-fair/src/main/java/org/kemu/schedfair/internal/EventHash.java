package org.kemu.schedfair.internal;

/** A cheap order-sensitive 64-bit hash of the event sequence (splitmix64 finaliser per word). */
public final class EventHash {
    private long h = 0x243F6A8885A308D3L;

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public void add(long word) {
        h = mix(h * 31 + word);
    }

    public void add(long time, int kind, int cpu, long taskId) {
        add(time);
        add(((long) kind << 48) ^ ((long) cpu << 32) ^ taskId);
    }

    public long value() {
        return h;
    }
}
