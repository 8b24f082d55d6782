package org.kemu.lab.experiment;

import java.util.List;

/**
 * One of the series' published experiments as {@code kemu experiment} runs it: what it reproduces,
 * on which machine, the published table's rows and columns, and how long the full and the quick run
 * take (wall time on one core of a 2-core build machine).
 */
public record Experiment(String name, String reproduces, String machine, String rows, List<String> columns,
        String duration) {
}
