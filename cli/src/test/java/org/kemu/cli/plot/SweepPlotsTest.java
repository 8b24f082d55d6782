package org.kemu.cli.plot;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * The charts of a sweep CSV are real PNG and SVG files of the chart's size, and read as a paper's
 * would (issue 16): legend outside the data, numbers ordered and labelled as numbers, pin and init
 * apart, a colour per series, speedup lines from the 1-thread serial point.
 */
class SweepPlotsTest {
    @TempDir
    Path dir;

    static final List<String> CSV = List.of(
            "profile,backing,mem_gib,prealloc_threads,pin_mode,threads,lock_cache_pages,seed,pin_seconds,init_seconds,"
                    + "prealloc_seconds,gup_seconds,fault_clear_seconds,accounting_seconds,iommu_map_seconds,"
                    + "lock_wait_seconds,wall_seconds",
            "intel-8167m,hugetlb,16.0000,0,serial,1,0,1,6.0,8.0,0,0,0,0,0,0,0.1",
            "intel-8167m,hugetlb,16.0000,0,padata,4,65536,1,2.0,4.0,0,0,0,0,0,0,0.1",
            "intel-8167m,hugetlb,16.0000,0,padata,16,65536,1,1.0,3.0,0,0,0,0,0,0,0.1",
            "intel-8167m,hugetlb,32.0000,0,serial,1,0,1,12.0,15.0,0,0,0,0,0,0,0.1",
            "intel-8167m,hugetlb,32.0000,0,padata,4,65536,1,4.0,7.0,0,0,0,0,0,0,0.1",
            "intel-8167m,hugetlb,32.0000,0,padata,16,65536,1,2.0,5.0,0,0,0,0,0,0,0.1");

    @Test
    void writesPngAndSvgPerChart() throws Exception {
        List<Path> files = SweepPlots.write(dir, CSV);
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder(
                "speedup-intel-8167m-hugetlb.png", "speedup-intel-8167m-hugetlb.svg",
                "pin-intel-8167m-hugetlb.png", "pin-intel-8167m-hugetlb.svg",
                "init-intel-8167m-hugetlb.png", "init-intel-8167m-hugetlb.svg");
        for (Path f : files) {
            if (f.toString().endsWith(".png")) {
                byte[] b = Files.readAllBytes(f);
                assertThat(b).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
                BufferedImage img = ImageIO.read(f.toFile());
                assertThat(img.getWidth()).isEqualTo(SweepPlots.WIDTH);
                assertThat(img.getHeight()).isEqualTo(SweepPlots.HEIGHT);
            } else {
                var f2 = DocumentBuilderFactory.newInstance();
                f2.setNamespaceAware(true);
                // the SVG names its DTD by URL; a test must not fetch it
                f2.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
                var doc = f2.newDocumentBuilder().parse(f.toFile());
                assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("svg");
                assertThat(doc.getDocumentElement().getAttribute("width")).startsWith(Integer.toString(SweepPlots.WIDTH));
            }
        }
    }

    /** Guests of 16 and 128 GiB, 4 and 16 threads, written in the order text sorting would give. */
    static final List<String> UNSORTED = List.of(CSV.get(0),
            "intel-8167m,hugetlb,128,0,serial,1,0,1,26,27,0,0,0,0,0,0",
            "intel-8167m,hugetlb,128,0,padata,16,65536,1,2.5,3.5,0,0,0,0,0,0",
            "intel-8167m,hugetlb,128,0,padata,4,65536,1,7,8,0,0,0,0,0,0",
            "intel-8167m,hugetlb,16,0,serial,1,0,1,3,4,0,0,0,0,0,0",
            "intel-8167m,hugetlb,16,0,padata,16,65536,1,0.3,1.2,0,0,0,0,0,0",
            "intel-8167m,hugetlb,16,0,padata,4,65536,1,0.9,1.8,0,0,0,0,0,0");

    /** A sweep over seeds: each cell's point is the mean of its seeds' times, and the titles say so. */
    @Test
    void aCellRunWithSeveralSeedsIsDrawnAtItsMean() {
        String h = "profile,backing,mem_gib,prealloc_threads,pin_mode,threads,lock_cache_pages,seed,pin_seconds,"
                + "init_seconds,prealloc_seconds,gup_seconds,fault_clear_seconds,accounting_seconds,iommu_map_seconds,"
                + "lock_wait_seconds";
        Map<String, XYChart> charts = SweepPlots.charts(List.of(h,
                "amd-7j13,thp,16,16,serial,1,0,1,2.0,5,0,0,0,0,0,0",
                "amd-7j13,thp,16,16,serial,1,0,2,2.0,5,0,0,0,0,0,0",
                "amd-7j13,thp,16,16,padata,16,65536,1,0.1,4,0,0,0,0,0,0",
                "amd-7j13,thp,16,16,padata,16,65536,2,0.3,6,0,0,0,0,0,0"));
        XYChart speedup = charts.get("speedup-amd-7j13-thp");
        assertThat(speedup.getSeriesCollection()).hasSize(1);
        // the base pin over the mean pin (0.2 s), not the mean of the two speedups (13.3x)
        assertThat(speedup.getSeriesCollection().iterator().next().getYData()).containsExactly(1.0, 2.0 / 0.2);
        assertThat(charts.get("init-amd-7j13-thp").getSeriesCollection()).extracting(s -> s.getName())
                .containsExactly("serial, prealloc 16", "padata t16 cache 65536, prealloc 16");
        assertThat(charts.get("init-amd-7j13-thp").getSeriesCollection()).last()
                .satisfies(s -> assertThat(s.getYData()).containsExactly(5.0));
        assertThat(charts.values()).allSatisfy(c -> assertThat(c.getTitle()).endsWith("mean of 2 seeds"));
        assertThat(SweepPlots.charts(CSV).values()).allSatisfy(c -> assertThat(c.getTitle()).doesNotContain("seeds"));
    }

    @Test
    void seriesAndPointsAreInNumericOrderAndSpeedupStartsAtTheSerialPoint() {
        Map<String, XYChart> charts = SweepPlots.charts(UNSORTED);
        assertThat(charts.keySet()).containsExactly("speedup-intel-8167m-hugetlb", "pin-intel-8167m-hugetlb",
                "init-intel-8167m-hugetlb");
        XYChart speedup = charts.get("speedup-intel-8167m-hugetlb");
        assertThat(speedup.getSeriesCollection()).extracting(s -> s.getName())
                .containsExactly("padata cache 65536, 16 GiB", "padata cache 65536, 128 GiB");
        XYSeries small = speedup.getSeriesCollection().iterator().next();
        assertThat(small.getXData()).containsExactly(1, 4, 16);
        assertThat(small.getYData()).containsExactly(1.0, 3 / 0.9, 3 / 0.3);
        XYChart pin = charts.get("pin-intel-8167m-hugetlb");
        // the serial base first, then threads by number: t4 before t16
        assertThat(pin.getSeriesCollection()).extracting(s -> s.getName())
                .containsExactly("serial", "padata t4 cache 65536", "padata t16 cache 65536");
        assertThat(pin.getSeriesCollection().iterator().next().getXData()).containsExactly(16, 128);
        assertThat(pin.getSeriesCollection().iterator().next().getYData()).containsExactly(3, 26);
        assertThat(charts.get("init-intel-8167m-hugetlb").getSeriesCollection().iterator().next().getYData())
                .containsExactly(4, 27);
        assertThat(pin.getStyler().getxAxisTickLabelsFormattingFunction().apply(16.0)).isEqualTo("16 GiB");
        assertThat(SweepPlots.gib(0.5)).isEqualTo("512 MiB");
        assertThat(SweepPlots.gib(1.5)).isEqualTo("1.5 GiB");
        for (XYChart c : charts.values()) {
            assertThat(c.getStyler().getLegendPosition()).isEqualTo(Styler.LegendPosition.OutsideE);
            assertThat(c.getTitle()).contains("intel-8167m, hugetlb");
        }
        assertThat(pin.getYAxisTitle()).isEqualTo("pin s (virtual)");
    }

    @Test
    void everySeriesOfAChartHasItsOwnColourAndMarkerPair() {
        // 2 guests x 2 prealloc x (serial + 3 threads x 3 caches) = 40 rows, 20 series on the times charts
        List<String> csv = new ArrayList<>(List.of(CSV.get(0)));
        for (int gib : new int[] {16, 128}) {
            for (int q : new int[] {0, 16}) {
                csv.add("amd-7j13,thp," + gib + "," + q + ",serial,1,0,1," + gib + "," + (gib + 1) + ",0,0,0,0,0,0");
                for (int t : new int[] {4, 8, 16}) {
                    for (long cache : new long[] {0, 512, 65536}) {
                        csv.add("amd-7j13,thp," + gib + "," + q + ",padata," + t + "," + cache + ",1," + (gib / (double) t)
                                + "," + (gib / (double) t + 1) + ",0,0,0,0,0,0");
                    }
                }
            }
        }
        for (XYChart c : SweepPlots.charts(csv).values()) {
            List<String> pairs = c.getSeriesCollection().stream()
                    .map(s -> s.getLineColor() + "/" + s.getMarker().getClass().getSimpleName()).toList();
            assertThat(pairs).as(c.getTitle()).doesNotHaveDuplicates();
            List<java.awt.Color> colours = c.getSeriesCollection().stream().map(s -> s.getLineColor()).toList();
            assertThat(colours.subList(0, Math.min(colours.size(), SweepPlots.PALETTE.length))).doesNotHaveDuplicates();
        }
        assertThat(SweepPlots.charts(csv).get("pin-amd-7j13-thp").getSeriesCollection()).hasSize(20);
    }
}
