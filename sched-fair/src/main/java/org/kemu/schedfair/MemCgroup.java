package org.kemu.schedfair;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A memory cgroup's {@code memory} page counter (5.14 mm/page_counter.c under mm/memcontrol.c): its
 * {@code memory.max} and {@code memory.current} in 4 KiB pages, charged hierarchically: a charge
 * succeeds only if this group and every ancestor stay within their max.
 *
 * <p>The root group is never limited and never counted: 5.14 {@code try_charge} returns at once for
 * {@code mem_cgroup_is_root}. Not modelled: the per-CPU charge stock ({@code MEMCG_CHARGE_BATCH}
 * pre-charges; memory.current here counts exactly the charged pages, as after {@code drain_all_stock})
 * and reclaim: the jobs' pages are fresh, unevictable-while-used anonymous pages with no swap, so
 * {@code try_to_free_mem_cgroup_pages} would find nothing and the charge fails with ENOMEM (the
 * fault path's VM_FAULT_OOM).
 */
public final class MemCgroup {
    /** {@code memory.max} of "max": no limit. */
    public static final long MAX = Long.MAX_VALUE;

    private final String name;
    private final MemCgroup parent;
    private final long max;
    private final AtomicLong usage = new AtomicLong();
    private final AtomicLong failcnt = new AtomicLong();
    private final AtomicLong watermark = new AtomicLong();

    private MemCgroup(String name, MemCgroup parent, long max) {
        this.name = Objects.requireNonNull(name, "name");
        this.parent = parent;
        KernelException.require(max >= 0, Errno.EINVAL, "memory.max", "negative limit " + max);
        this.max = max;
    }

    /**
     * {@code root_mem_cgroup}. It holds no state (the root is never charged nor limited), so one
     * instance serves every emulated kernel; its children are per run.
     */
    public static final MemCgroup ROOT = new MemCgroup("/", null, MAX);

    /** mkdir of a child group with {@code memory.max} of {@code maxPages} pages ({@link #MAX} for none). */
    public MemCgroup child(String childName, long maxPages) {
        return new MemCgroup(isRoot() ? "/" + childName : name + "/" + childName, this, maxPages);
    }

    /** The parent group, {@code null} for the root. */
    public MemCgroup parent() {
        return parent;
    }

    public boolean isRoot() {
        return parent == null;
    }

    public String name() {
        return name;
    }

    /** {@code memory.max} in pages. */
    public long max() {
        return max;
    }

    /** {@code memory.current} in pages. */
    public long current() {
        return usage.get();
    }

    /** {@code memory.events} max count: charges refused by this group's limit ({@code page_counter.failcnt}). */
    public long failcnt() {
        return failcnt.get();
    }

    /** {@code memory.peak}: the highest {@link #current()} seen. */
    public long watermark() {
        return watermark.get();
    }

    /**
     * {@code try_charge(memcg, gfp, nr_pages)}: charges {@code nrPages} to this group and its ancestors
     * ({@code page_counter_try_charge}); on a breach nothing stays charged, the breached group's
     * failcnt grows and the call fails with ENOMEM naming the group.
     */
    public void charge(long nrPages) {
        KernelException.require(nrPages >= 0, Errno.EINVAL, "try_charge", "negative charge");
        for (MemCgroup c = this; c != null && !c.isRoot(); c = c.parent) {
            long now = c.usage.addAndGet(nrPages);
            if (now > c.max) {
                c.usage.addAndGet(-nrPages);
                c.failcnt.incrementAndGet();
                for (MemCgroup u = this; u != c; u = u.parent) {
                    u.usage.addAndGet(-nrPages);
                }
                throw new KernelException(Errno.ENOMEM, "try_charge:memory.max",
                        "memory.max of " + c.name + " (" + c.max + " pages) would be exceeded by " + nrPages);
            }
            c.watermark.accumulateAndGet(now, Math::max);
        }
    }

    /** {@code page_counter_uncharge} up the hierarchy: what freeing a charged page does ({@code uncharge_batch}). */
    public void uncharge(long nrPages) {
        for (MemCgroup c = this; c != null && !c.isRoot(); c = c.parent) {
            long now = c.usage.addAndGet(-nrPages);
            if (now < 0) {
                c.usage.addAndGet(nrPages);
                throw new IllegalStateException("memcg " + c.name + " uncharged below zero");
            }
        }
    }

    @Override
    public String toString() {
        return "memcg " + name + " current=" + current() + " max=" + (max == MAX ? "max" : Long.toString(max));
    }
}
