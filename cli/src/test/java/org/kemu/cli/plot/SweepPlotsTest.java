package org.kemu.cli.plot;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The charts of a sweep CSV are real PNG and SVG files of the chart's size. */
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
                "times-intel-8167m-hugetlb.png", "times-intel-8167m-hugetlb.svg");
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
}
