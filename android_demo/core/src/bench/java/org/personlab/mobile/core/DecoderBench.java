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
 * frame on the JVM: median and p90 over {@code runs} timed runs after {@code warmup} untimed passes, and the
 * bytes the decoding thread allocates per decode after warm-up (the JVM's per-thread allocation counter).
 * Prints a table and writes a JSON report. Not part of the app: a JVM-only tool (com.sun.management).
 *
 *   java -cp core/build/classes:core/build/bench-classes org.personlab.mobile.core.DecoderBench GOLDEN_DIR OUT_JSON [runs] [warmup]
 */
public final class DecoderBench {
    private DecoderBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: DecoderBench GOLDEN_DIR OUT_JSON [runs=200] [warmup=50 passes over all frames]");
            System.exit(2);
        }
        File dir = new File(args[0]);
        File out = new File(args[1]);
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 50;
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
        for (int i = 0; i < warmup; i++) { // every frame, so the JIT has compiled all paths and buffers have grown
            for (Heads heads : inputs) {
                decoder.decode(heads, cfg);
            }
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        List<String> rows = new ArrayList<>();
        System.out.printf("%-10s %7s %11s %11s %11s %16s%n", "image_id", "people", "median_ms", "p90_ms", "mean_ms", "bytes_per_decode");
        for (int f = 0; f < ids.size(); f++) {
            Heads heads = inputs.get(f);
            int people = decoder.decode(heads, cfg).people.size();
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < runs; i++) {
                decoder.decode(heads, cfg);
            }
            long allocated = (threads.getThreadAllocatedBytes(thread) - before) / runs;
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                decoder.decode(heads, cfg);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            double[] s = ms.clone();
            Arrays.sort(s);
            double median = percentile(s, 50);
            double p90 = percentile(s, 90);
            double mean = 0;
            for (double v : ms) {
                mean += v / ms.length;
            }
            System.out.printf("%-10d %7d %11.3f %11.3f %11.3f %16d%n", ids.get(f), people, median, p90, mean, allocated);
            rows.add(String.format(Locale.ROOT,
                    "    {\"image_id\": %d, \"people\": %d, \"median_ms\": %.4f, \"p90_ms\": %.4f, \"mean_ms\": %.4f, \"allocated_bytes_per_decode\": %d}",
                    ids.get(f), people, median, p90, mean, allocated));
        }
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
            w.println("  \"warmup\": " + warmup + ",");
            w.println("  \"frames\": [");
            w.println(String.join(",\n", rows));
            w.println("  ]");
            w.println("}");
        }
        System.out.println("wrote " + out);
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
