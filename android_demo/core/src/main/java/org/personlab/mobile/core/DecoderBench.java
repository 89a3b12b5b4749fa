package org.personlab.mobile.core;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Times the Java decoder (Heads.fromOutputs + Decoder.decode) per golden frame on the JVM:
 * median and p90 over {@code runs} timed runs after {@code warmup} untimed ones. Prints a table and
 * writes a JSON report.
 *
 *   java -cp core/build/classes org.personlab.mobile.core.DecoderBench GOLDEN_DIR OUT_JSON [runs] [warmup]
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
        String metaText = new String(Files.readAllBytes(new File(dir, "metadata.json").toPath()), StandardCharsets.UTF_8);
        Metadata meta = Metadata.parse(metaText);
        Map<String, Object> golden = Json.object(Json.parse(
                new String(Files.readAllBytes(new File(dir, "golden.json").toPath()), StandardCharsets.UTF_8)), "golden");
        List<Integer> ids = new ArrayList<>();
        List<Map<String, Object>> inputs = new ArrayList<>();
        for (Object f : Json.array(golden.get("frames"), "frames")) {
            Map<String, Object> frame = Json.object(f, "frame");
            int imageId = Json.integer(frame.get("image_id"), "image_id");
            Map<String, Object> outputs = new HashMap<>();
            for (String name : meta.heads.keySet()) {
                outputs.put(name, Files.readAllBytes(new File(dir, imageId + "_" + name + ".bin").toPath()));
            }
            ids.add(imageId);
            inputs.add(outputs);
        }
        // warm-up: every frame, so the JIT has compiled all paths before any frame is timed
        for (int i = 0; i < warmup; i++) {
            for (Map<String, Object> outputs : inputs) {
                Decoder.decode(Heads.fromOutputs(outputs, meta));
            }
        }
        List<String> rows = new ArrayList<>();
        System.out.printf("%-10s %7s %11s %11s %11s%n", "image_id", "people", "median_ms", "p90_ms", "mean_ms");
        for (int f = 0; f < ids.size(); f++) {
            int imageId = ids.get(f);
            Map<String, Object> outputs = inputs.get(f);
            int people = 0;
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                Decoder.Result r = Decoder.decode(Heads.fromOutputs(outputs, meta));
                ms[i] = (System.nanoTime() - t0) / 1e6;
                people = r.people.size();
            }
            double[] s = ms.clone();
            Arrays.sort(s);
            double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            double p90 = percentile(s, 90);
            double mean = 0;
            for (double v : ms) {
                mean += v / ms.length;
            }
            System.out.printf("%-10d %7d %11.3f %11.3f %11.3f%n", imageId, people, median, p90, mean);
            rows.add(String.format(java.util.Locale.ROOT,
                    "    {\"image_id\": %d, \"people\": %d, \"median_ms\": %.4f, \"p90_ms\": %.4f, \"mean_ms\": %.4f}",
                    imageId, people, median, p90, mean));
        }
        File parent = out.getAbsoluteFile().getParentFile();
        if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
            throw new IOException("cannot create " + parent);
        }
        try (PrintWriter w = new PrintWriter(out, "UTF-8")) {
            w.println("{");
            w.println("  \"what\": \"Java decoder (org.personlab.mobile.core: Heads.fromOutputs + Decoder.decode) per frame, golden full_int8 outputs\",");
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

    /** Linear-interpolated percentile of sorted values (NumPy's default). */
    static double percentile(double[] sorted, double q) {
        double pos = (sorted.length - 1) * q / 100.0;
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
