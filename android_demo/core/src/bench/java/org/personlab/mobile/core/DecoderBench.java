package org.personlab.mobile.core;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times the Java decoder (one {@link Decoder}, {@link Decoder#decode} on prepared {@link Heads}) per golden
 * frame on the JVM: wall-clock median and p90 and thread-CPU median over {@code runs} timed runs after
 * untimed passes over all frames for at least {@code warmup_s} seconds (the JIT's optimising compiler finishes
 * the hot methods only after a few seconds; an app decodes for minutes, so the steady state is the figure
 * that matters), CPU time being what a shared, loaded machine distorts least; the bytes the
 * decoding thread allocates per decode after warm-up (the JVM's per-thread allocation counter), and the
 * frame preprocessing (a 640x480 camera frame, YUV_420_888 turned 90 degrees or RGBA, into the model input).
 * Prints a table and writes a JSON report. Not part of the app: a JVM-only tool (com.sun.management).
 *
 *   java -cp core/build/classes:core/build/bench-classes org.personlab.mobile.core.DecoderBench GOLDEN_DIR OUT_JSON [runs] [warmup_s]
 */
public final class DecoderBench {
    private DecoderBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: DecoderBench GOLDEN_DIR OUT_JSON [runs=200] [warmup_s=10, seconds of passes over all frames]");
            System.exit(2);
        }
        File dir = new File(args[0]);
        File out = new File(args[1]);
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        double warmupS = args.length > 3 ? Double.parseDouble(args[3]) : 10;
        Metadata meta = Metadata.parse(read(new File(dir, "metadata.json")));
        Map<String, Object> golden = Json.object(Json.parse(read(new File(dir, "golden.json"))), "golden");
        List<Integer> ids = new ArrayList<>();
        List<Heads> inputs = new ArrayList<>();
        for (Object f : Json.array(golden.get("frames"), "frames")) {
            int imageId = Json.integer(Json.object(f, "frame").get("image_id"), "image_id");
            Map<String, Object> outputs = new HashMap<>();
            for (String name : meta.heads.keySet()) {
                outputs.put(name, Files.readAllBytes(new File(dir, imageId + "_" + name + ".bin").toPath()));
            }
            ids.add(imageId);
            inputs.add(Heads.fromOutputs(outputs, meta));
        }
        Decoder decoder = new Decoder(meta);
        DecoderConfig cfg = DecoderConfig.from(meta);
        int warmupPasses = 0;
        long warmupEnd = System.nanoTime() + (long) (warmupS * 1e9);
        while (System.nanoTime() < warmupEnd) { // every frame, so the JIT has compiled all paths and buffers have grown
            for (Heads heads : inputs) {
                decoder.decode(heads, cfg);
            }
            warmupPasses++;
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        List<String> rows = new ArrayList<>();
        System.out.printf("%-10s %7s %11s %11s %11s %12s %16s%n", "image_id", "people", "median_ms", "p90_ms", "mean_ms",
                "cpu_median", "bytes_per_decode");
        for (int f = 0; f < ids.size(); f++) {
            Heads heads = inputs.get(f);
            int people = decoder.decode(heads, cfg).people.size();
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < runs; i++) {
                decoder.decode(heads, cfg);
            }
            long allocated = (threads.getThreadAllocatedBytes(thread) - before) / runs;
            double[] ms = new double[runs];
            double[] cpu = new double[runs];
            for (int i = 0; i < runs; i++) {
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                decoder.decode(heads, cfg);
                ms[i] = (System.nanoTime() - t0) / 1e6;
                cpu[i] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
            }
            double[] s = ms.clone();
            Arrays.sort(s);
            Arrays.sort(cpu);
            double median = percentile(s, 50);
            double p90 = percentile(s, 90);
            double cpuMedian = percentile(cpu, 50);
            double mean = 0;
            for (double v : ms) {
                mean += v / ms.length;
            }
            System.out.printf("%-10d %7d %11.3f %11.3f %11.3f %12.3f %16d%n", ids.get(f), people, median, p90, mean, cpuMedian, allocated);
            rows.add(String.format(Locale.ROOT,
                    "    {\"image_id\": %d, \"people\": %d, \"median_ms\": %.4f, \"p90_ms\": %.4f, \"mean_ms\": %.4f, "
                            + "\"cpu_median_ms\": %.4f, \"allocated_bytes_per_decode\": %d}",
                    ids.get(f), people, median, p90, mean, cpuMedian, allocated));
        }
        String preprocessing = preprocessing(meta, threads, runs);
        File parent = out.getAbsoluteFile().getParentFile();
        if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
            throw new IOException("cannot create " + parent);
        }
        try (PrintWriter w = new PrintWriter(out, "UTF-8")) {
            w.println("{");
            w.println("  \"what\": \"Java decoder (org.personlab.mobile.core.Decoder.decode, one reused instance) per frame, golden full_int8 outputs\",");
            w.println("  \"jvm\": \"" + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + "\",");
            w.println("  \"os_arch\": \"" + System.getProperty("os.arch") + "\",");
            w.println("  \"available_processors\": " + Runtime.getRuntime().availableProcessors() + ",");
            w.println("  \"runs\": " + runs + ",");
            w.println(String.format(Locale.ROOT, "  \"warmup_s\": %.1f,", warmupS));
            w.println("  \"warmup_passes\": " + warmupPasses + ",");
            w.println("  \"frames\": [");
            w.println(String.join(",\n", rows));
            w.println("  ],");
            w.println("  \"preprocessing\": " + preprocessing);
            w.println("}");
        }
        System.out.println("wrote " + out);
    }

    /** FrameConverter on a 640x480 camera frame into the model input: median wall ms and bytes allocated per frame. */
    private static String preprocessing(Metadata meta, com.sun.management.ThreadMXBean threads, int runs) {
        int w = 640;
        int h = 480;
        byte[] y = new byte[w * h];
        byte[] u = new byte[w * h / 2];
        byte[] v = new byte[w * h / 2];
        byte[] rgba = new byte[4 * w * h];
        for (int i = 0; i < y.length; i++) { // any picture: the work does not depend on it
            y[i] = (byte) (i * 7);
            rgba[4 * i] = (byte) i;
            rgba[4 * i + 1] = (byte) (i >> 3);
            rgba[4 * i + 2] = (byte) (i >> 6);
        }
        for (int i = 0; i < u.length; i++) {
            u[i] = (byte) (i * 3);
            v[i] = (byte) (i * 5);
        }
        FrameConverter converter = new FrameConverter(meta.inputH, meta.inputW);
        FrameGeometry portrait = FrameGeometry.full(w, h, 90);
        FrameGeometry landscape = FrameGeometry.full(w, h, 0);
        long thread = Thread.currentThread().getId();
        StringBuilder json = new StringBuilder("{");
        for (int kind = 0; kind < 2; kind++) {
            double[] ms = new double[runs];
            for (int i = 0; i < runs + 20; i++) { // 20 warm-up conversions
                long t0 = System.nanoTime();
                if (kind == 0) {
                    converter.convertYuv(y, w, 1, u, v, w, 2, portrait); // interleaved chroma, as most phones
                } else {
                    converter.convertRgba(rgba, 4 * w, 4, landscape);
                }
                if (i >= 20) {
                    ms[i - 20] = (System.nanoTime() - t0) / 1e6;
                }
            }
            long before = threads.getThreadAllocatedBytes(thread);
            if (kind == 0) {
                converter.convertYuv(y, w, 1, u, v, w, 2, portrait);
            } else {
                converter.convertRgba(rgba, 4 * w, 4, landscape);
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            Arrays.sort(ms);
            String name = kind == 0 ? "yuv_640x480_rot90" : "rgba_640x480";
            System.out.printf("preprocessing %s -> %dx%d: median %.3f ms, p90 %.3f ms, %d bytes allocated per frame%n", name,
                    meta.inputW, meta.inputH, percentile(ms, 50), percentile(ms, 90), allocated);
            json.append(String.format(Locale.ROOT, "%s\"%s\": {\"median_ms\": %.4f, \"p90_ms\": %.4f, \"allocated_bytes\": %d}",
                    kind == 0 ? "" : ", ", name, percentile(ms, 50), percentile(ms, 90), allocated));
        }
        return json.append("}").toString();
    }

    private static String read(File f) throws IOException {
        return new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
    }

    /** Linear-interpolated percentile of sorted values (NumPy's default). */
    static double percentile(double[] sorted, double q) {
        double pos = (sorted.length - 1) * q / 100.0;
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
