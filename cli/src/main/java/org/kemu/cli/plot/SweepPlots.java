package org.kemu.cli.plot;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kemu.lab.Approach;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Charts of a sweep CSV, three per machine profile and backing: pin speedup against threads (one
 * line per pin mode, lock-cache size and guest, over the serial run of the same guest, from its
 * 1-thread serial point), the pin time and the init time against guest size (one line per pin
 * configuration). Series are ordered by their numbers (4 threads before 16, 16 GiB before 128 GiB),
 * each has its own colour and marker, and the legend sits right of the plot, never over the data.
 * Each chart is written as PNG and SVG. A sweep over several seeds is drawn from the mean over its
 * seeds of each cell's pin and init time (each seed is one draw of the run's timing), and says so in
 * its titles.
 */
public final class SweepPlots {
    public static final int WIDTH = 1200;
    public static final int HEIGHT = 600;

    /**
     * Tableau's 20 colours: its 10 strong hues, then their light tints. With the 7 markers below,
     * 140 series before a colour and marker pair repeats; a light tint never shares a marker with its
     * strong hue (20 and 7 are coprime).
     */
    static final Color[] PALETTE = {new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C),
        new Color(0xD62728), new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F),
        new Color(0xBCBD22), new Color(0x17BECF), new Color(0xAEC7E8), new Color(0xFFBB78), new Color(0x98DF8A),
        new Color(0xFF9896), new Color(0xC5B0D5), new Color(0xC49C94), new Color(0xF7B6D2), new Color(0xC7C7C7),
        new Color(0xDBDB8D), new Color(0x9EDAE5)};
    static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS, SeriesMarkers.PLUS};

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

        int threads() {
            return Integer.parseInt(s("threads"));
        }

        long cache() {
            return Long.parseLong(s("lock_cache_pages"));
        }

        int prealloc() {
            return Integer.parseInt(s("prealloc_threads"));
        }

        boolean serial() {
            return s("pin_mode").equals("serial") || s("pin_mode").equals("folio-serial");
        }

        /** The guest: its size, and its prealloc threads when it has some. */
        String guest() {
            return gib(d("mem_gib")) + (prealloc() == 0 ? "" : ", prealloc " + prealloc());
        }

        String config() {
            return s("pin_mode") + (serial() ? "" : " t" + threads() + " cache " + s("lock_cache_pages"));
        }

        /** The pin mode's place in {@link Approach}: the serial base first. */
        int mode() {
            return Approach.parse(s("pin_mode")).ordinal();
        }

        /** Orders series by mode, then by their numbers, never as text. */
        static final Comparator<Row> SERIES_ORDER = Comparator.comparingInt(Row::mode)
                .thenComparingInt(Row::threads).thenComparingLong(Row::cache).thenComparingDouble(r -> r.d("mem_gib"))
                .thenComparingInt(Row::prealloc);
    }

    /** A guest size in GiB as a reader writes it: 16 GiB, 1.5 GiB, 512 MiB. */
    static String gib(double gib) {
        if (gib < 1) {
            return number(gib * 1024) + " MiB";
        }
        return number(gib) + " GiB";
    }

    /** A number without trailing zeros: 16, 1.5, 0.25. */
    private static String number(double d) {
        return new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }

    /** Writes the charts of {@code csvLines} (header first) into {@code dir}; returns the files written. */
    public static List<Path> write(Path dir, List<String> csvLines) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, XYChart> c : charts(csvLines).entrySet()) {
            files.addAll(save(c.getValue(), dir.resolve(c.getKey())));
        }
        return files;
    }

    /** The charts of {@code csvLines} by file name (without extension), in the order they are written. */
    static Map<String, XYChart> charts(List<String> csvLines) {
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
        Map<String, XYChart> charts = new LinkedHashMap<>();
        for (Map.Entry<String, List<Row>> g : groups.entrySet()) {
            long seeds = g.getValue().stream().map(r -> r.s("seed")).distinct().count();
            List<Row> rows = meanOverSeeds(g.getValue());
            rows.sort(Row.SERIES_ORDER);
            String title = g.getKey().replaceFirst("-(hugetlb|thp)$", ", $1") + (seeds > 1 ? ", mean of " + seeds + " seeds" : "");
            XYChart speedup = speedup(title, rows);
            if (speedup != null) {
                charts.put("speedup-" + g.getKey(), speedup);
            }
            charts.put("pin-" + g.getKey(), times("pin time: " + title, "pin s (virtual)", "pin_seconds", rows));
            charts.put("init-" + g.getKey(), times("init time: " + title, "init s (virtual)", "init_seconds", rows));
        }
        return charts;
    }

    /** The columns that name a cell apart from its seed. */
    private static final List<String> CELL_COLUMNS = List.of("profile", "backing", "mem_gib", "prealloc_threads",
            "pin_mode", "threads", "lock_cache_pages");

    /** One row per cell, its pin and init time the mean over the cell's seeds, in first-seen order. */
    static List<Row> meanOverSeeds(List<Row> rows) {
        Map<List<String>, List<Row>> byCell = new LinkedHashMap<>();
        for (Row r : rows) {
            byCell.computeIfAbsent(CELL_COLUMNS.stream().map(r::s).toList(), k -> new ArrayList<>()).add(r);
        }
        List<Row> out = new ArrayList<>();
        for (List<Row> draws : byCell.values()) {
            Map<String, String> m = new TreeMap<>(draws.get(0).cells());
            for (String col : List.of("pin_seconds", "init_seconds")) {
                m.put(col, Double.toString(draws.stream().mapToDouble(r -> r.d(col)).average().orElseThrow()));
            }
            out.add(new Row(m));
        }
        return out;
    }

    private static XYChart speedup(String title, List<Row> rows) {
        Map<String, Double> serialPin = new TreeMap<>();
        for (Row r : rows) {
            if (r.s("pin_mode").equals("serial")) {
                serialPin.put(r.guest(), r.d("pin_seconds"));
            }
        }
        // series in numeric order: mode, cache size, guest -> threads -> speedup
        Map<String, TreeMap<Integer, Double>> series = new LinkedHashMap<>();
        List<Row> threaded = rows.stream().filter(r -> !r.serial() && serialPin.containsKey(r.guest()))
                .sorted(Comparator.comparingInt(Row::mode).thenComparingLong(Row::cache)
                        .thenComparingDouble(r -> r.d("mem_gib")).thenComparingInt(Row::prealloc))
                .toList();
        for (Row r : threaded) {
            String name = r.s("pin_mode") + " cache " + r.s("lock_cache_pages") + ", " + r.guest();
            // every line starts at the serial kernel: 1 thread, speedup 1 by definition
            TreeMap<Integer, Double> pts = series.computeIfAbsent(name, k -> new TreeMap<>(Map.of(1, 1.0)));
            pts.put(r.threads(), serialPin.get(r.guest()) / r.d("pin_seconds"));
        }
        if (series.isEmpty()) {
            return null;
        }
        XYChart c = chart("pin speedup over serial 5.14: " + title, "pin threads (1 = serial 5.14)",
                "pin speedup (x, virtual time)");
        c.getStyler().setXAxisMin(0.0);
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setYAxisDecimalPattern("0.#");
        series.forEach((name, pts) -> add(c, name, pts.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                pts.values().stream().mapToDouble(Double::doubleValue).toArray()));
        return c;
    }

    private static XYChart times(String title, String yTitle, String column, List<Row> rows) {
        Map<String, TreeMap<Double, Double>> series = new LinkedHashMap<>();
        List<Row> ordered = rows.stream().sorted(Comparator.comparingInt(Row::mode)
                .thenComparingInt(Row::threads).thenComparingLong(Row::cache).thenComparingInt(Row::prealloc)).toList();
        for (Row r : ordered) {
            String prealloc = r.prealloc() == 0 ? "" : ", prealloc " + r.prealloc();
            series.computeIfAbsent(r.config() + prealloc, k -> new TreeMap<>()).put(r.d("mem_gib"), r.d(column));
        }
        XYChart c = chart(title, "guest RAM", yTitle);
        c.getStyler().setxAxisTickLabelsFormattingFunction(SweepPlots::gib);
        c.getStyler().setYAxisDecimalPattern("0.##");
        series.forEach((name, pts) -> add(c, name, pts.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                pts.values().stream().mapToDouble(Double::doubleValue).toArray()));
        return c;
    }

    /** Adds a series with the next colour and marker of the palette. */
    private static void add(XYChart c, String name, double[] x, double[] y) {
        int i = c.getSeriesCollection().size();
        XYSeries s = c.addSeries(name, x, y);
        Color colour = PALETTE[i % PALETTE.length];
        s.setMarker(MARKERS[i % MARKERS.length]).setMarkerColor(colour);
        // solid lines always: xchart would otherwise dash the series after its own colour cycle
        s.setLineColor(colour).setLineStyle(SeriesLines.SOLID);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        // right of the plot area: the legend never hides a point
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendBorderColor(Color.LIGHT_GRAY);
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
