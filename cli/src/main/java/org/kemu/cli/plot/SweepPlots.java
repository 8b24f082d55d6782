package org.kemu.cli.plot;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Charts of a sweep CSV, one pair per machine profile and backing: pin speedup against threads (one
 * line per lock-cache size and guest size, over the serial run of the same guest), and pin and init
 * times against guest size (one line per pin configuration). Each chart is written as PNG and SVG.
 */
public final class SweepPlots {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 600;

    private SweepPlots() {
    }

    /** One CSV row, by the sweep's column names. */
    record Row(Map<String, String> cells) {
        String s(String col) {
            String v = cells.get(col);
            if (v == null) {
                throw new IllegalArgumentException("sweep CSV has no column " + col);
            }
            return v;
        }

        double d(String col) {
            return Double.parseDouble(s(col));
        }

        String guest() {
            return s("mem_gib") + "G" + (s("prealloc_threads").equals("0") ? "" : " prealloc " + s("prealloc_threads"));
        }

        String config() {
            return s("pin_mode") + (s("pin_mode").equals("serial") || s("pin_mode").equals("folio-serial") ? ""
                    : " t" + s("threads") + " cache " + s("lock_cache_pages"));
        }
    }

    /** Writes the charts of {@code csvLines} (header first) into {@code dir}; returns the files written. */
    public static List<Path> write(Path dir, List<String> csvLines) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        String[] header = csvLines.get(0).split(",", -1);
        Map<String, List<Row>> groups = new TreeMap<>();
        for (String line : csvLines.subList(1, csvLines.size())) {
            String[] v = line.split(",", -1);
            Map<String, String> m = new TreeMap<>();
            for (int i = 0; i < header.length && i < v.length; i++) {
                m.put(header[i], v[i]);
            }
            Row r = new Row(m);
            groups.computeIfAbsent(r.s("profile") + "-" + r.s("backing"), k -> new ArrayList<>()).add(r);
        }
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, List<Row>> g : groups.entrySet()) {
            XYChart speedup = speedup(g.getKey(), g.getValue());
            if (speedup != null) {
                files.addAll(save(speedup, dir.resolve("speedup-" + g.getKey())));
            }
            files.addAll(save(times(g.getKey(), g.getValue()), dir.resolve("times-" + g.getKey())));
        }
        return files;
    }

    private static XYChart speedup(String title, List<Row> rows) {
        Map<String, Double> serialPin = new TreeMap<>();
        for (Row r : rows) {
            if (r.s("pin_mode").equals("serial")) {
                serialPin.put(r.guest(), r.d("pin_seconds"));
            }
        }
        // series: cache size (and guest, when the sweep has several) -> threads -> speedup
        Map<String, TreeMap<Integer, Double>> series = new TreeMap<>();
        for (Row r : rows) {
            Double base = serialPin.get(r.guest());
            if (base == null || r.s("pin_mode").contains("serial")) {
                continue;
            }
            String name = r.s("pin_mode") + " cache " + r.s("lock_cache_pages") + ", " + r.guest();
            series.computeIfAbsent(name, k -> new TreeMap<>()).put(Integer.parseInt(r.s("threads")),
                    base / r.d("pin_seconds"));
        }
        if (series.isEmpty()) {
            return null;
        }
        XYChart c = chart("pin speedup over serial 5.14: " + title, "pin threads", "speedup (x)");
        series.forEach((name, pts) -> {
            c.addSeries(name, pts.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                    pts.values().stream().mapToDouble(Double::doubleValue).toArray()).setMarker(SeriesMarkers.CIRCLE);
        });
        return c;
    }

    private static XYChart times(String title, List<Row> rows) {
        Map<String, TreeMap<Double, Double>> series = new TreeMap<>();
        for (Row r : rows) {
            String prealloc = r.s("prealloc_threads").equals("0") ? "" : ", prealloc " + r.s("prealloc_threads");
            series.computeIfAbsent("pin " + r.config() + prealloc, k -> new TreeMap<>())
                    .put(r.d("mem_gib"), r.d("pin_seconds"));
            series.computeIfAbsent("init " + r.config() + prealloc, k -> new TreeMap<>())
                    .put(r.d("mem_gib"), r.d("init_seconds"));
        }
        XYChart c = chart("pin and init times: " + title, "guest RAM (GiB)", "seconds (virtual)");
        series.forEach((name, pts) -> c.addSeries(name,
                pts.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                pts.values().stream().mapToDouble(Double::doubleValue).toArray()).setMarker(SeriesMarkers.CIRCLE));
        return c;
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        c.getStyler().setYAxisMin(0.0);
        return c;
    }

    private static List<Path> save(XYChart c, Path base) throws IOException {
        Path png = Path.of(base + ".png");
        Path svg = Path.of(base + ".svg");
        try (OutputStream o = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(c, o, BitmapEncoder.BitmapFormat.PNG);
        }
        try (OutputStream o = Files.newOutputStream(svg)) {
            VectorGraphicsEncoder.saveVectorGraphic(c, o, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        }
        return List.of(png, svg);
    }
}
