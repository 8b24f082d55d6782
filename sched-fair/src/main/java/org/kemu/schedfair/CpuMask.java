package org.kemu.schedfair;

import java.util.BitSet;
import java.util.stream.IntStream;

/**
 * An immutable set of CPU ids, the emulated {@code struct cpumask}. Printed in the kernel's cpulist
 * format ({@code 0-3,8}).
 */
public final class CpuMask {
    private static final CpuMask EMPTY = new CpuMask(new BitSet());

    private final BitSet bits;

    private CpuMask(BitSet bits) {
        this.bits = bits;
    }

    public static CpuMask empty() {
        return EMPTY;
    }

    public static CpuMask of(int... cpus) {
        BitSet b = new BitSet();
        for (int c : cpus) {
            checkId(c);
            b.set(c);
        }
        return new CpuMask(b);
    }

    /** CPUs {@code from} (inclusive) to {@code to} (exclusive). */
    public static CpuMask range(int from, int to) {
        checkId(from);
        if (to < from) {
            throw new IllegalArgumentException("range end " + to + " before start " + from);
        }
        BitSet b = new BitSet();
        b.set(from, to);
        return new CpuMask(b);
    }

    /** CPUs 0..n-1. */
    public static CpuMask first(int n) {
        return range(0, n);
    }

    /** Parses the cpulist format: {@code "0-3,8,10-11"}. */
    public static CpuMask parse(String cpulist) {
        BitSet b = new BitSet();
        String s = cpulist.trim();
        if (s.isEmpty()) {
            return EMPTY;
        }
        for (String part : s.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            try {
                if (dash < 0) {
                    int c = Integer.parseInt(p);
                    checkId(c);
                    b.set(c);
                } else {
                    int lo = Integer.parseInt(p.substring(0, dash).trim());
                    int hi = Integer.parseInt(p.substring(dash + 1).trim());
                    checkId(lo);
                    if (hi < lo) {
                        throw new KernelException(Errno.EINVAL, "cpulist", "bad range '" + p + "'");
                    }
                    b.set(lo, hi + 1);
                }
            } catch (NumberFormatException e) {
                throw new KernelException(Errno.EINVAL, "cpulist", "not a cpulist: '" + cpulist + "'");
            }
        }
        return new CpuMask(b);
    }

    private static void checkId(int c) {
        if (c < 0) {
            throw new KernelException(Errno.EINVAL, "cpumask", "negative CPU id " + c);
        }
    }

    public boolean contains(int cpu) {
        return cpu >= 0 && bits.get(cpu);
    }

    public int weight() {
        return bits.cardinality();
    }

    public boolean isEmpty() {
        return bits.isEmpty();
    }

    /** Lowest CPU id, or -1 when empty. */
    public int firstCpu() {
        return bits.nextSetBit(0);
    }

    /** Next CPU id at or after {@code from}, or -1. */
    public int nextCpu(int from) {
        return bits.nextSetBit(from);
    }

    /** Highest CPU id, or -1 when empty. */
    public int lastCpu() {
        return bits.length() - 1;
    }

    public IntStream stream() {
        return bits.stream();
    }

    public int[] toArray() {
        return bits.stream().toArray();
    }

    public CpuMask and(CpuMask other) {
        BitSet b = (BitSet) bits.clone();
        b.and(other.bits);
        return new CpuMask(b);
    }

    public CpuMask or(CpuMask other) {
        BitSet b = (BitSet) bits.clone();
        b.or(other.bits);
        return new CpuMask(b);
    }

    public CpuMask andNot(CpuMask other) {
        BitSet b = (BitSet) bits.clone();
        b.andNot(other.bits);
        return new CpuMask(b);
    }

    public boolean intersects(CpuMask other) {
        return bits.intersects(other.bits);
    }

    /** True when every CPU of this mask is in {@code other}. */
    public boolean isSubsetOf(CpuMask other) {
        BitSet b = (BitSet) bits.clone();
        b.andNot(other.bits);
        return b.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuMask m && bits.equals(m.bits);
    }

    @Override
    public int hashCode() {
        return bits.hashCode();
    }

    /** The cpulist format, e.g. {@code 0-3,8}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int i = bits.nextSetBit(0);
        while (i >= 0) {
            int j = bits.nextClearBit(i) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            if (j > i) {
                sb.append('-').append(j);
            }
            i = bits.nextSetBit(j + 1);
        }
        return sb.toString();
    }

}
