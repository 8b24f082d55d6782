package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** bench's peak RSS: Linux's VmHWM, restartable through clear_refs (proc(5), "clear_refs" value 5). */
class HostMemoryTest {

    @Test
    void readsTheResidentHighWaterMarkWhichMemoryTouchedRaises() throws Exception {
        assumeThat(Files.isReadable(Path.of("/proc/self/status"))).as("a Linux /proc").isTrue();
        long before = HostMemory.peakRssBytes().orElseThrow();
        assertThat(before).isGreaterThan(1L << 20);
        // 256 MiB touched outside the heap raises the mark
        var buf = java.nio.ByteBuffer.allocateDirect(256 << 20);
        for (int i = 0; i < buf.capacity(); i += 4096) {
            buf.put(i, (byte) 1);
        }
        long raised = HostMemory.peakRssBytes().orElseThrow();
        assertThat(raised).isGreaterThanOrEqualTo(before + (200L << 20));
        // restarting it is allowed on Linux (the buffer stays resident, so the mark cannot fall here)
        assertThat(HostMemory.resetPeakRss()).isTrue();
        assertThat(HostMemory.peakRssBytes().orElseThrow()).isGreaterThanOrEqualTo(raised - (64L << 20));
        assertThat(buf.get(0)).isEqualTo((byte) 1);
    }
}
