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
import java.util.Random;

/**
 * The decoder's worst case: float outputs no trained model makes (every probability 1, offsets uniform
 * in +-the input size), so every cell votes, peaks are everywhere and every pixel is on a mask.
 * Per metadata file given (the Python side writes them for each input size): median wall and CPU ms per
 * decode, bytes allocated per decode after warm-up, and the heap the warmed decoder keeps.
 *
 *   java -cp core/build/classes:core/build/bench-classes org.personlab.mobile.core.HostileBench OUT_JSON META_JSON...
 */
public final class HostileBench {
    private static final int RUNS = 5;
    private static final int WARMUP = 2;

    private HostileBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: HostileBench OUT_JSON META_JSON...");
            System.exit(2);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        List<String> rows = new ArrayList<>();
        for (int a = 1; a < args.length; a++) {
            Metadata meta = Metadata.parse(new String(Files.readAllBytes(new File(args[a]).toPath()), StandardCharsets.UTF_8));
            Heads heads = Heads.fromOutputs(hostileOutputs(meta), meta);
            DecoderConfig cfg = DecoderConfig.from(meta);
            long heapBefore = usedHeap();
            Decoder decoder = new Decoder(meta);
            for (int i = 0; i < WARMUP; i++) {
                decoder.decode(heads, cfg);
            }
            long retained = usedHeap() - heapBefore;
            int people = decoder.decode(heads, cfg).people.size();
            double[] ms = new double[RUNS];
            double[] cpu = new double[RUNS];
            long allocated = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < RUNS; i++) {
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                decoder.decode(heads, cfg);
                ms[i] = (System.nanoTime() - t0) / 1e6;
                cpu[i] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
            }
            allocated = (threads.getThreadAllocatedBytes(thread) - allocated) / RUNS;
            Arrays.sort(ms);
            Arrays.sort(cpu);
            String size = meta.inputH + "x" + meta.inputW;
            System.out.printf(Locale.ROOT, "%-10s people %2d  median %8.1f ms  cpu %8.1f ms  allocated %d B/decode  retained %.1f MB%n",
                    size, people, ms[RUNS / 2], cpu[RUNS / 2], allocated, retained / 1e6);
            rows.add(String.format(Locale.ROOT,
                    "    {\"input_size\": \"%s\", \"people\": %d, \"median_ms\": %.2f, \"cpu_median_ms\": %.2f, "
                            + "\"allocated_bytes_per_decode\": %d, \"retained_heap_mb\": %.2f}",
                    size, people, ms[RUNS / 2], cpu[RUNS / 2], allocated, retained / 1e6));
        }
        try (PrintWriter w = new PrintWriter(new File(args[0]), "UTF-8")) {
            w.println("{");
            w.println("  \"what\": \"Java decoder on hostile float outputs (every probability 1, offsets uniform in +-input size)\",");
            w.println("  \"runs\": " + RUNS + ", \"warmup\": " + WARMUP + ",");
            w.println("  \"sizes\": [");
            w.println(String.join(",\n", rows));
            w.println("  ]");
            w.println("}");
        }
        System.out.println("wrote " + args[0]);
    }

    private static Map<String, Object> hostileOutputs(Metadata meta) {
        Random random = new Random(0);
        double limit = Math.max(meta.inputH, meta.inputW);
        Map<String, Object> outputs = new HashMap<>();
        for (Map.Entry<String, Metadata.HeadInfo> e : meta.heads.entrySet()) {
            float[] values = new float[e.getValue().size()];
            boolean probability = "probability".equals(e.getValue().kind);
            for (int i = 0; i < values.length; i++) {
                values[i] = probability ? 1f : (float) ((2 * random.nextDouble() - 1) * limit);
            }
            outputs.put(e.getKey(), values);
        }
        return outputs;
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
