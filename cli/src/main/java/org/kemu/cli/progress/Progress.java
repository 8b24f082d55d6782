package org.kemu.cli.progress;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a batch of runs: on a terminal a progress bar with the time left, drawn on stderr (never
 * stdout, which may carry JSON or CSV); otherwise plain SLF4J lines, at most one per
 * {@link #LOG_EVERY} unless the batch ends, so logs of batch jobs stay short.
 */
public final class Progress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    /** Least real time between two log lines when not on a terminal. */
    static final Duration LOG_EVERY = Duration.ofSeconds(10);

    private final String task;
    private final long total;
    private final ProgressBar bar;
    private final long startNanos = System.nanoTime();
    private long lastLog = startNanos;
    private long done;

    private Progress(String task, long total, boolean terminal) {
        this.task = task;
        this.total = total;
        this.bar = terminal && total > 1 ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250).setSpeedUnit(ChronoUnit.MINUTES).showSpeed().build() : null;
    }

    /** Progress of {@code total} steps, as a bar when the JVM has a terminal ({@code System.console() != null}). */
    public static Progress start(String task, long total) {
        return new Progress(task, total, System.console() != null);
    }

    /** For tests and callers that know better than {@code System.console()}. */
    public static Progress start(String task, long total, boolean terminal) {
        return new Progress(task, total, terminal);
    }

    /** One step done; {@code what} names it. */
    public void step(String what) {
        done++;
        if (bar != null) {
            bar.setExtraMessage(what);
            bar.step();
            return;
        }
        long now = System.nanoTime();
        if (done == total || now - lastLog >= LOG_EVERY.toNanos()) {
            lastLog = now;
            long elapsed = now - startNanos;
            long left = done == 0 ? 0 : elapsed / done * (total - done);
            LOG.info("{}: {}/{} done, {} s elapsed, about {} s left ({})", task, done, total,
                    elapsed / 1_000_000_000L, left / 1_000_000_000L, what);
        }
    }

    public long done() {
        return done;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
