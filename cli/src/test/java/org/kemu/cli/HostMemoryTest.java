package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** bench's peak RSS: Linux's VmHWM, restartable through clear_refs (proc(5), "clear_refs" value 5). */
class HostMemoryTest {

    @Test
    void theResidentHighWaterMarkRestartsFromTheCurrentSizeAndRisesWithMemoryTouched() {
        assumeThat(Files.isReadable(Path.of("/proc/self/status"))).as("a Linux /proc").isTrue();
        // restarted first: tests earlier in this JVM may have left the mark far above the current size
        assertThat(HostMemory.resetPeakRss()).isTrue();
        long before = HostMemory.peakRssBytes().orElseThrow();
        assertThat(before).isGreaterThan(1L << 20);
        // 256 MiB of fresh pages touched outside the heap
        var buf = java.nio.ByteBuffer.allocateDirect(256 << 20);
        for (int i = 0; i < buf.capacity(); i += 4096) {
            buf.put(i, (byte) 1);
        }
        assertThat(HostMemory.peakRssBytes().orElseThrow()).isGreaterThanOrEqualTo(before + (200L << 20));
        assertThat(buf.get(0)).isEqualTo((byte) 1);
    }
}
