package org.kemu.padatacore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.padatacore.PadataSizing.Plan;
import org.kemu.padatacore.PadataSizing.Variant;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.junit.jupiter.api.Test;

/**
 * Thread counts and chunk boundaries of padata_do_multithreaded()/padata_mt_helper()
 * (kernel/padata.c; docs/kernel/padata.md section 2.2), for the current code and the versions before the
 * 2023 and 2024 fixes.
 */
class PadataSizingTest {

    /** start, size, align, min_chunk, max_threads, expected nworks, expected chunk_size (CURRENT). */
    static Stream<Arguments> table() {
        return Stream.of(
                // plain: 100 / (4 threads * 4) = 6
                Arguments.of(0L, 100L, 1L, 1L, 4, 4, 6L),
                // min_chunk raises the chunk: 100/16 = 6 < 10
                Arguments.of(0L, 100L, 1L, 10L, 16, 10, 10L),
                // deferred page init: align = min_chunk = PAGES_PER_SECTION, unaligned start
                Arguments.of(1000L, 1L << 18, 32768L, 32768L, 8, 8, 32768L),
                // size below min_chunk: at least one thread, shortcut with the whole job
                Arguments.of(5L, 10L, 1L, 100L, 8, 1, 10L),
                // max_threads 1: shortcut
                Arguments.of(0L, 1000L, 1L, 1L, 1, 1, 1000L),
                // [AY23]: a large align no longer asks for threads without an aligned chunk
                Arguments.of(0L, 1024L, 512L, 1L, 16, 2, 512L),
                // [WL24]: min_chunk 0 and size < 4 * nworks gave chunk_size 0
                Arguments.of(0L, 6L, 1L, 0L, 4, 4, 1L),
                // [KG24]: the guard before the roundup keeps align 2 when the chunk is forced up
                Arguments.of(0L, 6L, 2L, 0L, 4, 3, 2L),
                // 1 GiB hugetlb boot: size = max_threads = nodes, align = min_chunk = 1
                Arguments.of(0L, 2L, 1L, 1L, 2, 2, 1L),
                // rounding to align with a remainder chunk and an unaligned start
                Arguments.of(3L, 1000L, 8L, 5L, 3, 3, 88L));
    }

    @ParameterizedTest
    @MethodSource("table")
    void planMatchesTheKernelArithmetic(long start, long size, long align, long minChunk, int maxThreads,
            int nworks, long chunk) {
        Plan p = PadataSizing.plan(Variant.CURRENT, size, align, minChunk, maxThreads);
        assertThat(p).isEqualTo(new Plan(nworks, chunk));
        List<long[]> chunks = PadataSizing.chunks(start, size, p);
        assertThat(chunks.get(0)[0]).isEqualTo(start);
        assertThat(chunks.get(chunks.size() - 1)[1]).isEqualTo(start + size);
        for (int i = 0; i < chunks.size(); i++) {
            long[] c = chunks.get(i);
            assertThat(c[1]).isGreaterThan(c[0]);
            if (i > 0) {
                assertThat(c[0]).isEqualTo(chunks.get(i - 1)[1]);
            }
            // padata_mt_job kernel-doc: ranges fall on align except possibly the first and last
            if (nworks > 1 && i > 0 && i < chunks.size() - 1) {
                assertThat(c[0] % align).isZero();
                assertThat(c[1] % chunk).isZero();
            }
        }
    }

    @Test
    void chunkBoundariesOfAnUnalignedStartEndOnMultiplesOfChunkSize() {
        // roundup(start + 1, chunk_size) - start: the first chunk is short so later ones end aligned
        List<long[]> c = PadataSizing.chunks(1000, 1L << 18, new Plan(8, 32768));
        assertThat(c.get(0)).containsExactly(1000, 32768);
        assertThat(c.get(1)).containsExactly(32768, 65536);
        assertThat(c.get(c.size() - 1)).containsExactly(262144, 263144);
        assertThat(c).hasSize(9);
    }

    @Test
    void before2023TheThreadCountIgnoredAlign() {
        // [AY23] Anthony Yznaga, "padata: Fix refcnt handling" series' alignment fix: 1024 / min_chunk 1
        // asked for 16 threads, of which only 2 could get a 512-aligned chunk
        Plan old = PadataSizing.plan(Variant.ORIGINAL_2020, 1024, 512, 1, 16);
        assertThat(old).isEqualTo(new Plan(16, 512));
        assertThat(PadataSizing.chunks(0, 1024, old)).hasSize(2);
        assertThat(PadataSizing.plan(Variant.ALIGN_2023, 1024, 512, 1, 16)).isEqualTo(new Plan(2, 512));
    }

    @Test
    void originalCodeDividedByMinChunk() {
        // 2020 code: nworks = size / min_chunk; min_chunk 0 is a divide-by-zero there
        assertThatThrownBy(() -> PadataSizing.threadRequest(Variant.ORIGINAL_2020, 10, 1, 0, 4))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void before2024AZeroChunkDividedByZeroInTheHelper() {
        // [WL24] Waiman Long: min_chunk 0 with size < 4 * nworks made chunk_size 0 and
        // roundup(start + 1, 0) in padata_mt_helper() a divide-by-zero
        Plan p = PadataSizing.plan(Variant.ALIGN_2023, 6, 1, 0, 4);
        assertThat(p).isEqualTo(new Plan(4, 0));
        assertThatThrownBy(() -> PadataSizing.nextChunkSize(0, 6, p.chunkSize()))
                .isInstanceOf(ArithmeticException.class);
        assertThat(PadataSizing.plan(Variant.ZERO_GUARD_2024, 6, 1, 0, 4)).isEqualTo(new Plan(4, 1));
    }

    @Test
    void theFirst2024GuardLostTheAlignment() {
        // [KG24] Kamlesh Gurudasani: with the guard after roundup a forced chunk of 1 ignored align 2
        assertThat(PadataSizing.plan(Variant.ZERO_GUARD_2024, 6, 2, 0, 4)).isEqualTo(new Plan(3, 1));
        assertThat(PadataSizing.plan(Variant.CURRENT, 6, 2, 0, 4)).isEqualTo(new Plan(3, 2));
    }

    @ParameterizedTest
    @MethodSource("table")
    void simulatedJobHandsOutExactlyThePlannedChunks(long start, long size, long align, long minChunk,
            int maxThreads, int nworks, long chunk) {
        assertJobMatchesPlan(PadataHarness.sim(16, 7), start, size, align, minChunk, maxThreads, nworks, chunk);
    }

    @ParameterizedTest
    @MethodSource("table")
    void hostedJobHandsOutExactlyThePlannedChunks(long start, long size, long align, long minChunk,
            int maxThreads, int nworks, long chunk) {
        assertJobMatchesPlan(PadataHarness.hosted(16, 7), start, size, align, minChunk, maxThreads, nworks, chunk);
    }

    private static void assertJobMatchesPlan(Kernel k, long start, long size, long align, long minChunk,
            int maxThreads, int nworks, long chunk) {
        // caps off: the plan is what mainline computes from the job alone (a pool of 16 >= every nworks here)
        Padata padata = PadataHarness.padata(k, PadataFeatures.mainline().withKthreadHelpers(true));
        List<long[]> seen = new ArrayList<>();
        Set<Task> threads = new HashSet<>();
        int ret = PadataHarness.runJob(k, kk -> padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
            kk.work(1000 * (e - s));
            synchronizedAdd(seen, threads, new long[] {s, e}, kk.current());
            return 0;
        }).start(start).size(size).align(align).minChunk(minChunk).maxThreads(maxThreads).build()));
        assertThat(ret).isZero();
        seen.sort(Comparator.comparingLong(c -> c[0]));
        List<long[]> expected = PadataSizing.chunks(start, size, new Plan(nworks, chunk));
        assertThat(seen).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(seen.get(i)).containsExactly(expected.get(i));
        }
        assertThat(threads.size()).isLessThanOrEqualTo(nworks);
        long helpers = k.tasks().stream().filter(t -> t.name().equals("padata")).count();
        assertThat(helpers).isEqualTo(nworks - 1);
    }

    @Test
    void theWorkPoolOfNumPossibleCpusLimitsHelpersAndTheChunkFollowsTheThreadsObtained() {
        // padata_work_alloc_mt may return fewer works than asked; chunk_size uses ps.nworks
        Kernel k = PadataHarness.sim(4, 3);
        Padata padata = PadataHarness.padata(k, PadataFeatures.mainline().withKthreadHelpers(true));
        List<long[]> seen = new ArrayList<>();
        PadataHarness.runJob(k, kk -> padata.doMultithreaded(PadataMtJob.<Object>builder((s, e, a) -> {
            seen.add(new long[] {s, e});
            kk.work(1000);
            return 0;
        }).size(1000).minChunk(1).maxThreads(16).build()));
        // asked 16, got main + 4 pool items: chunk = 1000 / (5 * 4) = 50
        assertThat(k.tasks().stream().filter(t -> t.name().equals("padata")).count()).isEqualTo(4);
        assertThat(seen).hasSize(20).allSatisfy(c -> assertThat(c[1] - c[0]).isEqualTo(50));
    }

    /** Test bookkeeping shared by host threads on the hosted backend (not emulated state). */
    private static void synchronizedAdd(List<long[]> seen, Set<Task> threads, long[] c, Task t) {
        synchronized (seen) {
            seen.add(c);
            threads.add(t);
        }
    }
}
