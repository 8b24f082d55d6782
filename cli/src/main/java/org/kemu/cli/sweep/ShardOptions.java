package org.kemu.cli.sweep;

import picocli.CommandLine.Option;

/** {@code --shard I/N} of {@code kemu sweep}. */
public final class ShardOptions {
    @Option(names = "--shard", paramLabel = "I/N", description = "run only the I-th (0-based) of N disjoint parts of"
            + " the matrix (cells with index %% N == I); join the outputs with 'kemu sweep merge' (default: none, the"
            + " whole matrix)")
    String shard;

    public Shard shard() {
        return shard == null ? Shard.ALL : Shard.parse(shard);
    }
}
