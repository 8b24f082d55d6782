package org.kemu.schedfair.sim;

/**
 * An indexed binary min-heap of CPUs keyed by (next event time, CPU id), so the engine finds the
 * CPU with the earliest virtual clock in O(1) and reprograms one CPU in O(log n). Ties go to the
 * lower CPU id, which is the first half of the determinism rule.
 *
 * <p>Only CPUs with a planned event ({@code key < Long.MAX_VALUE}) are in the heap: on a large
 * machine most CPUs are idle, and keeping them out makes the heap as deep as the busy CPUs need
 * (4 levels for 16 busy CPUs of 256, not 8). The minimum is the same as over every CPU: with no
 * event anywhere it is CPU 0 at {@code Long.MAX_VALUE}, the least of (key, id) over all-idle CPUs.
 */
final class CpuEventHeap {
    private static final long NONE = Long.MAX_VALUE;

    private final int[] heap;
    /** Where each CPU sits in {@link #heap}, -1 when it has no event. */
    private final int[] pos;
    private final long[] key;
    private int size;

    CpuEventHeap(int n) {
        heap = new int[n];
        pos = new int[n];
        key = new long[n];
        java.util.Arrays.fill(pos, -1);
        java.util.Arrays.fill(key, NONE);
    }

    int minCpu() {
        return size == 0 ? 0 : heap[0];
    }

    long minKey() {
        return size == 0 ? NONE : key[heap[0]];
    }

    long key(int cpu) {
        return key[cpu];
    }

    void update(int cpu, long k) {
        long old = key[cpu];
        if (old == k) {
            return;
        }
        key[cpu] = k;
        if (old == NONE) {
            // a newly planned event: append and sift up
            int i = size++;
            heap[i] = cpu;
            pos[cpu] = i;
            up(i);
        } else if (k == NONE) {
            remove(cpu);
        } else if (k < old) {
            up(pos[cpu]);
        } else {
            down(pos[cpu]);
        }
    }

    /** Takes {@code cpu} out: the last entry fills its slot and moves whichever way its key says. */
    private void remove(int cpu) {
        int i = pos[cpu];
        pos[cpu] = -1;
        int last = heap[--size];
        if (last == cpu) {
            return;
        }
        heap[i] = last;
        pos[last] = i;
        if (i > 0 && less(last, heap[(i - 1) >>> 1])) {
            up(i);
        } else {
            down(i);
        }
    }

    private boolean less(int a, int b) {
        long ka = key[a];
        long kb = key[b];
        return ka < kb || (ka == kb && a < b);
    }

    private void up(int i) {
        int c = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            int pc = heap[p];
            if (!less(c, pc)) {
                break;
            }
            heap[i] = pc;
            pos[pc] = i;
            i = p;
        }
        heap[i] = c;
        pos[c] = i;
    }

    private void down(int i) {
        int c = heap[i];
        int n = size;
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                break;
            }
            int r = l + 1;
            int m = (r < n && less(heap[r], heap[l])) ? r : l;
            if (!less(heap[m], c)) {
                break;
            }
            heap[i] = heap[m];
            pos[heap[i]] = i;
            i = m;
        }
        heap[i] = c;
        pos[c] = i;
    }
}
