package org.kemu.padatacore;

import java.util.Objects;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * {@code struct padata_mt_job} with the 2022 series' fields (docs/kernel/padata.md sections 2.1 and 3.2).
 *
 * @param threadFn called for each chunk; returns 0 or a negative errno
 * @param fnArg passed to {@code threadFn} and {@code undoFn}
 * @param start start of the job, in job-specific units
 * @param size size of the work, in job-specific units
 * @param align ranges passed to {@code threadFn} fall on this boundary, except possibly the first
 *     and last ranges of the job
 * @param minChunk the smallest amount of work suitable for one thread to do at once
 * @param undoFn undoes a completed stretch when the job fails (patch 3); null for none
 * @param maxThreads upper bound on threads, main thread included
 * @param numaAware spread helpers round-robin over the nodes that have CPUs (Gang Li, 2024)
 * @param lockdepName the name of the job's lockdep map (patch 4 gives every call site its own
 *     class; jobs of one call site should share a name)
 */
public record PadataMtJob<A>(ThreadFn<A> threadFn, A fnArg, long start, long size, long align, long minChunk,
        UndoFn<A> undoFn, int maxThreads, boolean numaAware, String lockdepName) {

    /** The lockdep map name jobs get unless they name their call site. */
    public static final String DEFAULT_LOCKDEP_NAME = "padata job";

    /**
     * Units are unsigned long in the kernel; kemu keeps them non-negative and below 2^63 so that
     * {@code start + size} and the roundup of the chunk rule cannot overflow. align 0 and
     * max_threads 0 would divide by zero or start no thread in the kernel; they are EINVAL here.
     */
    public PadataMtJob {
        Objects.requireNonNull(threadFn, "threadFn");
        Objects.requireNonNull(lockdepName, "lockdepName");
        KernelException.require(start >= 0 && size >= 0, Errno.EINVAL, "padata_mt_job:range",
                "start " + start + " and size " + size + " must not be negative");
        KernelException.require(start <= Long.MAX_VALUE / 2 - size, Errno.EINVAL, "padata_mt_job:overflow",
                "start " + start + " + size " + size + " overflows");
        KernelException.require(align >= 1, Errno.EINVAL, "padata_mt_job:align", "align must be at least 1");
        KernelException.require(minChunk >= 0, Errno.EINVAL, "padata_mt_job:min_chunk",
                "min_chunk must not be negative");
        KernelException.require(maxThreads >= 1, Errno.EINVAL, "padata_mt_job:max_threads",
                "max_threads must be at least 1");
    }

    public long end() {
        return start + size;
    }

    public static <A> Builder<A> builder(ThreadFn<A> threadFn) {
        return new Builder<>(threadFn);
    }

    /** Builds a job; defaults: start 0, size 0, align 1, min_chunk 1, no undo, 1 thread. */
    public static final class Builder<A> {
        private final ThreadFn<A> threadFn;
        private A fnArg;
        private long start;
        private long size;
        private long align = 1;
        private long minChunk = 1;
        private UndoFn<A> undoFn;
        private int maxThreads = 1;
        private boolean numaAware;
        private String lockdepName = DEFAULT_LOCKDEP_NAME;

        private Builder(ThreadFn<A> threadFn) {
            this.threadFn = threadFn;
        }

        public Builder<A> arg(A a) {
            this.fnArg = a;
            return this;
        }

        public Builder<A> start(long s) {
            this.start = s;
            return this;
        }

        public Builder<A> size(long s) {
            this.size = s;
            return this;
        }

        public Builder<A> align(long a) {
            this.align = a;
            return this;
        }

        public Builder<A> minChunk(long m) {
            this.minChunk = m;
            return this;
        }

        public Builder<A> undo(UndoFn<A> u) {
            this.undoFn = u;
            return this;
        }

        public Builder<A> maxThreads(int n) {
            this.maxThreads = n;
            return this;
        }

        public Builder<A> numaAware(boolean b) {
            this.numaAware = b;
            return this;
        }

        public Builder<A> lockdepName(String name) {
            this.lockdepName = name;
            return this;
        }

        public PadataMtJob<A> build() {
            return new PadataMtJob<>(threadFn, fnArg, start, size, align, minChunk, undoFn, maxThreads, numaAware,
                    lockdepName);
        }
    }
}
