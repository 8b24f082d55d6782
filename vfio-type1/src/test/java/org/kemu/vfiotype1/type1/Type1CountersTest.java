package org.kemu.vfiotype1.type1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Type1Counters#pagesByCpuAndMemoryNode()}: pages land in their (CPU node, memory node) cell. */
class Type1CountersTest {
    @Test
    void pinnedPagesAreKeptPerCpuNodeAndMemoryNode() {
        // more memory nodes than CPU nodes (a CPU-less memory node), so a swapped index shows
        Type1Counters c = new Type1Counters(2, 3);
        c.pinnedOnNodes(0, 0, 512);
        c.pinnedOnNodes(0, 2, 63);
        c.pinnedOnNodes(1, 0, 1);
        c.pinnedOnNodes(0, 2, 1);
        assertThat(c.pagesByCpuAndMemoryNode()).containsExactly(
                Map.entry(0, new java.util.TreeMap<>(Map.of(0, 512L, 2, 64L))),
                Map.entry(1, new java.util.TreeMap<>(Map.of(0, 1L))));
    }

    @Test
    void nothingPinnedIsAnEmptyMap() {
        assertThat(new Type1Counters(2, 2).pagesByCpuAndMemoryNode()).isEmpty();
    }
}
