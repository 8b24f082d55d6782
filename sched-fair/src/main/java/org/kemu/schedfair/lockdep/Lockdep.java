package org.kemu.schedfair.lockdep;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.LockValidator;
import org.kemu.schedfair.LockViolation;
import org.kemu.schedfair.internal.HeldLock;
import org.kemu.schedfair.internal.LockdepTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small lockdep shared by both backends. It keeps a graph of "class A was held while class B was
 * taken" edges learned from every task; an acquisition whose new edge closes a cycle is an inversion
 * that can deadlock under some interleaving, so it is reported at once, whether or not this run
 * deadlocks. Like lockdep, trylocks add no ordering and two locks of one class add no edge.
 *
 * <p>A class is what the kernel's {@code struct lock_class_key} is: every lock initialised at one site
 * shares it (all {@code hugetlb_fault_mutex_table} entries, every mm's {@code mmap_lock}), so an order
 * learned on one instance holds for all, and the graph has a node per site instead of per instance.
 * Taking a second lock of a class already held is "possible recursive locking" ({@code check_deadlock}
 * in kernel/locking/lockdep.c), unless it is a trylock, both are read acquisitions (kemu's rwsem reads
 * are treated as recursive, as it always has for one instance), or it is annotated with a nesting
 * subclass ({@code spin_lock_nested}), which makes a class of its own.
 */
public final class Lockdep implements LockValidator {
    private static final Logger LOG = LoggerFactory.getLogger(Lockdep.class);

    /** Classes created through {@link #lockMap}: cycles through them are waits, not lock orders. */
    private final Set<String> mapClasses = new HashSet<>();
    private final Map<String, Set<String>> after = new LinkedHashMap<>();
    private final Map<String, String> witness = new HashMap<>();
    private final Set<String> reported = new HashSet<>();
    private final List<LockViolation> violations = new ArrayList<>();
    /** Lock class name -> its index (from 1), as lockdep numbers its lock_classes. */
    private final Map<String, Integer> classIndex = new HashMap<>();
    /** Every edge of {@link #after}, by class indices: the already-known fast path of addEdge. */
    private final DependencySet known = new DependencySet();
    private static final int RECENT = 16;
    /** Class names by identity hash, and their indices: a direct-mapped cache of {@link #classIndex}. */
    private final String[] recentClass = new String[RECENT];
    private final int[] recentIndex = new int[RECENT];
    private final TaskLookup tasks;
    private volatile boolean failFast;

    /** How lockdep finds the current task (null outside tasks). */
    @FunctionalInterface
    public interface TaskLookup {
        LockdepTask current();
    }

    public Lockdep(TaskLookup tasks) {
        this.tasks = tasks;
    }

    @Override
    public synchronized List<LockViolation> violations() {
        return List.copyOf(violations);
    }

    @Override
    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }

    /**
     * Called when {@code t} tries to take {@code lock}, before it may block. Throws when fail-fast
     * is on and the attempt breaks a rule; otherwise records the violation and lets it proceed.
     */
    public synchronized void acquire(LockdepTask t, String cls, String name, Object lock, boolean read,
            boolean trylock) {
        for (HeldLock h : t.heldLocks()) {
            if (h.lock() == lock && !(read && h.read())) {
                report(LockViolation.Kind.RECURSIVE_LOCK, List.of(cls), List.of(t.name()),
                        "task '" + t.name() + "' takes '" + name + "' which it already holds", cls + "#rec#" + t.name());
            }
        }
        if (trylock) {
            return;
        }
        List<HeldLock> held = t.heldLocks();
        if (held.isEmpty()) {
            return;
        }
        int next = classIndex(cls);
        for (int i = 0; i < held.size(); i++) {
            HeldLock h = held.get(i);
            if (h.classIndex() == next && h.lock() != lock && !(read && h.read())) {
                // check_deadlock(): another instance of this class is held, with no nesting annotation
                report(LockViolation.Kind.RECURSIVE_LOCK, List.of(cls), List.of(t.name()),
                        "possible recursive locking: task '" + t.name() + "' takes '" + name + "' while holding '"
                                + h.lockName() + "', both of lock class '" + cls + "' (annotate with a nesting subclass)",
                        cls + "#nest#" + t.name());
            }
            // Two locks of one class add no edge; a known edge needs no cycle search (check_prev_add).
            if (h.classIndex() != next && !known.contains(DependencySet.key(h.classIndex(), next))) {
                addEdge(h.lockClass(), cls, t.name());
                known.add(DependencySet.key(h.classIndex(), next));
            }
        }
    }

    /** The index of lock class {@code cls}, given one the first time it is seen. */
    private int classIndex(String cls) {
        // a few classes alternate on hot paths (a zone lock, a PTL, the mmap lock): a small cache by
        // identity answers them without the map
        int slot = System.identityHashCode(cls) & (RECENT - 1);
        if (recentClass[slot] == cls) {
            return recentIndex[slot];
        }
        Integer idx = classIndex.get(cls);
        if (idx == null) {
            idx = classIndex.size() + 1;
            classIndex.put(cls, idx);
        }
        recentClass[slot] = cls;
        recentIndex[slot] = idx;
        return idx;
    }

    /** Lock classes registered so far (lockdep's nr_lock_classes). */
    synchronized int classCount() {
        return classIndex.size();
    }

    /** Dependencies learned so far (lockdep's nr_list_entries, one per prev -> next). */
    synchronized int dependencyCount() {
        return known.size();
    }

    /** Called once {@code t} holds {@code lock}. */
    public synchronized void acquired(LockdepTask t, String cls, String name, Object lock, boolean read) {
        t.heldLocks().add(new HeldLock(cls, classIndex(cls), name, lock, read));
    }

    /** Called when {@code t} releases {@code lock}; returns false (and reports) if it did not hold it. */
    public synchronized boolean release(LockdepTask t, Object lock, String name) {
        List<HeldLock> held = t.heldLocks();
        for (int i = held.size() - 1; i >= 0; i--) {
            if (held.get(i).lock() == lock) {
                held.remove(i);
                return true;
            }
        }
        report(LockViolation.Kind.BAD_UNLOCK, List.of(name), List.of(t.name()),
                "task '" + t.name() + "' releases '" + name + "' which it does not hold", null);
        return false;
    }

    /** True when the current task holds {@code lock}. */
    public boolean holds(LockdepTask t, Object lock) {
        if (t == null) {
            return false;
        }
        synchronized (this) {
            for (HeldLock h : t.heldLocks()) {
                if (h.lock() == lock) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public LockMap lockMap(String name) {
        String cls = "lockdep_map:" + name;
        synchronized (this) {
            mapClasses.add(cls);
        }
        Object token = new Object();
        return new LockMap() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void acquire() {
                LockdepTask t = tasks.current();
                if (t == null) {
                    return;
                }
                Lockdep.this.acquire(t, cls, name, token, true, false);
                Lockdep.this.acquired(t, cls, name, token, true);
            }

            @Override
            public void release() {
                LockdepTask t = tasks.current();
                if (t != null) {
                    Lockdep.this.release(t, token, name);
                }
            }
        };
    }

    private void addEdge(String a, String b, String taskName) {
        Set<String> succ = after.computeIfAbsent(a, k -> new LinkedHashSet<>());
        if (succ.contains(b)) {
            return;
        }
        List<String> path = path(b, a);
        if (path != null) {
            boolean viaMap = path.stream().anyMatch(mapClasses::contains) || mapClasses.contains(b);
            StringBuilder msg = new StringBuilder();
            msg.append("task '").append(taskName).append("' takes '").append(b).append("' while holding '")
                    .append(a).append("', but the reverse order was established: ");
            List<String> involvedTasks = new ArrayList<>();
            involvedTasks.add(taskName);
            for (int i = 0; i + 1 < path.size(); i++) {
                String w = witness.get(path.get(i) + "\u0000" + path.get(i + 1));
                msg.append(i == 0 ? "" : "; ").append("task '").append(w).append("' took '")
                        .append(path.get(i + 1)).append("' while holding '").append(path.get(i)).append("'");
                if (!involvedTasks.contains(w)) {
                    involvedTasks.add(w);
                }
            }
            if (viaMap) {
                msg.append(" (a task waits for others while holding a lock one of them takes)");
            }
            List<String> cycle = new ArrayList<>();
            cycle.add(a);
            cycle.addAll(path);
            String key = String.join("->", new java.util.TreeSet<>(cycle));
            report(viaMap ? LockViolation.Kind.WAIT_WHILE_HOLDING : LockViolation.Kind.LOCK_ORDER_INVERSION,
                    cycle, involvedTasks, msg.toString(), key);
        }
        succ.add(b);
        witness.put(a + "\u0000" + b, taskName);
    }

    /** A path of classes from {@code from} to {@code to} along learned edges, or null. */
    private List<String> path(String from, String to) {
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        queue.add(from);
        parent.put(from, null);
        while (!queue.isEmpty()) {
            String c = queue.poll();
            if (c.equals(to)) {
                List<String> p = new ArrayList<>();
                for (String x = c; x != null; x = parent.get(x)) {
                    p.add(0, x);
                }
                return p;
            }
            for (String n : after.getOrDefault(c, Set.of())) {
                if (!parent.containsKey(n)) {
                    parent.put(n, c);
                    queue.add(n);
                }
            }
        }
        return null;
    }

    private void report(LockViolation.Kind kind, List<String> locks, List<String> taskNames, String message,
            String dedupKey) {
        if (dedupKey != null && !reported.add(kind + ":" + dedupKey)) {
            return;
        }
        LockViolation v = new LockViolation(kind, List.copyOf(locks), List.copyOf(taskNames), message);
        violations.add(v);
        LOG.warn("lockdep: {}", v);
        if (failFast) {
            throw new KernelException(Errno.EDEADLK, "lockdep:" + kind.name().toLowerCase(), message);
        }
    }
}
