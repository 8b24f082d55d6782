package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench's peak RSS: Linux's VmHWM, restartable through clear_refs (proc(5), "clear_refs" value 5). */
class HostMemoryTest {

    @Test
    void theResidentHighWaterMarkRestartsFromTheCurrentSizeAndRisesWithMemoryTouched(@TempDir Path dir)
            throws Exception {
        assumeThat(Files.isReadable(Path.of("/proc/self/status"))).as("a Linux /proc").isTrue();
        // restarted first: tests earlier in this JVM may have left the mark far above the current size
        assertThat(HostMemory.resetPeakRss()).isTrue();
        long before = HostMemory.peakRssBytes().orElseThrow();
        assertThat(before).isGreaterThan(1L << 20);
        // 256 MiB of a new file mapping touched: pages this process never had resident (freed native
        // memory, by contrast, may be handed out again already resident and not raise the mark)
        Path file = Files.createTempFile(dir, "rss", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_WRITE, 0, 256L << 20);
            for (int i = 0; i < buf.capacity(); i += 4096) {
                buf.put(i, (byte) 1);
            }
            assertThat(HostMemory.peakRssBytes().orElseThrow()).isGreaterThanOrEqualTo(before + (200L << 20));
            assertThat(buf.get(0)).isEqualTo((byte) 1);
        }
    }
}
