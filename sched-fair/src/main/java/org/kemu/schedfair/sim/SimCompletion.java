package org.kemu.schedfair.sim;

import java.util.ArrayDeque;
import java.util.List;
import org.kemu.schedfair.Completion;

/** A simulated completion: a count of completions and a FIFO of waiters. */
final class SimCompletion implements Completion {
    private static final long ALL = Long.MAX_VALUE / 2;

    private final SimKernel k;
    private final String name;
    private final ArrayDeque<SimTask> waiters = new ArrayDeque<>();
    private long done;

    SimCompletion(SimKernel k, String name) {
        this.k = k;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void waitForCompletion() {
        if (!k.inTask()) {
            throw new IllegalStateException("wait_for_completion('" + name + "') called outside an emulated task");
        }
        SimTask t = k.self("wait_for_completion");
        if (done > 0) {
            if (done < ALL) {
                done--;
            }
            return;
        }
        waiters.add(t);
        k.block(t, "completion '" + name + "'", List::of);
    }

    @Override
    public void complete() {
        SimTask w = waiters.poll();
        if (w != null) {
            k.wake(w);
        } else if (done < ALL) {
            done++;
        }
    }

    @Override
    public void completeAll() {
        done = ALL;
        SimTask w;
        while ((w = waiters.poll()) != null) {
            k.wake(w);
        }
    }

    @Override
    public boolean done() {
        return done > 0;
    }

    @Override
    public void reinit() {
        done = 0;
    }
}
