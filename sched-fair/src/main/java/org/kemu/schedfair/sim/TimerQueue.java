package org.kemu.schedfair.sim;

import java.util.Arrays;
import org.kemu.schedfair.internal.HrTimer;

/**
 * The simulated backend's armed hrtimers, earliest first: the role of the kernel's timerqueue
 * (lib/timerqueue.c, an rbtree of hrtimers ordered by expiry) as an indexed binary min-heap whose
 * entries are the timers themselves. Re-arming or cancelling a timer takes it out of the heap at
 * once, so no entry object is allocated per arm and no stale entry is left for the event loop to
 * skip. Ties on expiry go to the earlier arm ({@link HrTimer#queueSeq}), a total order, so the
 * firing sequence does not depend on the heap's shape.
 *
 * <p>Not thread-safe: only the baton holder touches it.
 */
final class TimerQueue {
    private HrTimer[] heap = new HrTimer[16];
    private int size;

    /** The earliest timer, or null. */
    HrTimer peek() {
        return size == 0 ? null : heap[0];
    }

    /** Queues {@code t}, which must not be queued, at its {@code queueAt}/{@code queueSeq}. */
    void add(HrTimer t) {
        if (t.queueIndex >= 0) {
            throw new IllegalStateException("timer " + t.name() + " is already queued");
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        siftUp(size++, t);
    }

    /** Takes {@code t} out if it is queued. */
    void remove(HrTimer t) {
        int i = t.queueIndex;
        if (i < 0) {
            return;
        }
        t.queueIndex = -1;
        HrTimer last = heap[--size];
        heap[size] = null;
        if (i == size) {
            return;
        }
        // the last entry fills the hole: it may belong above or below it
        if (i > 0 && earlier(last, heap[(i - 1) >>> 1])) {
            siftUp(i, last);
        } else {
            siftDown(i, last);
        }
    }

    /** Takes out and returns the earliest timer, or null. */
    HrTimer poll() {
        HrTimer t = peek();
        if (t != null) {
            remove(t);
        }
        return t;
    }

    int size() {
        return size;
    }

    private static boolean earlier(HrTimer a, HrTimer b) {
        return a.queueAt < b.queueAt || a.queueAt == b.queueAt && a.queueSeq < b.queueSeq;
    }

    private void siftUp(int i, HrTimer t) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            HrTimer p = heap[parent];
            if (!earlier(t, p)) {
                break;
            }
            place(i, p);
            i = parent;
        }
        place(i, t);
    }

    private void siftDown(int i, HrTimer t) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            HrTimer c = heap[child];
            int right = child + 1;
            if (right < size && earlier(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!earlier(c, t)) {
                break;
            }
            place(i, c);
            i = child;
        }
        place(i, t);
    }

    private void place(int i, HrTimer t) {
        heap[i] = t;
        t.queueIndex = i;
    }
}
