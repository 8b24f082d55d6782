package org.kemu.schedfair.sim;

/**
 * An indexed binary min-heap of CPUs keyed by (next event time, CPU id), so the engine finds the
 * CPU with the earliest virtual clock in O(1) and reprograms one CPU in O(log n). Ties go to the
 * lower CPU id, which is the first half of the determinism rule.
 */
final class CpuEventHeap {
    private final int[] heap;
    private final int[] pos;
    private final long[] key;
    private final int n;

    CpuEventHeap(int n) {
        this.n = n;
        heap = new int[n];
        pos = new int[n];
        key = new long[n];
        for (int i = 0; i < n; i++) {
            heap[i] = i;
            pos[i] = i;
            key[i] = Long.MAX_VALUE;
        }
    }

    int minCpu() {
        return heap[0];
    }

    long minKey() {
        return key[heap[0]];
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
        if (k < old) {
            up(pos[cpu]);
        } else {
            down(pos[cpu]);
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
