package org.personlab.mobile.core;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times {@link Tracker#update} (matching + One Euro filter) per frame on the JVM, on the golden five-people
 * sequence of android_demo/tools/make_tracking_golden.py: median and p90 over the frames tracking 5 people in
 * {@code runs} passes after {@code warmup} untimed ones, and the bytes one update allocates after warm-up.
 *
 *   java -cp core/build/classes:core/build/bench-classes org.personlab.mobile.core.TrackerBench TRACKING_DIR OUT_JSON [runs] [warmup]
 */
public final class TrackerBench {
    static final String SEQUENCE = "classroom.gif + one-by-one walker (5 people)";
    static final int PEOPLE = 5;

    private TrackerBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: TrackerBench TRACKING_DIR OUT_JSON [runs=200] [warmup=50]");
            System.exit(2);
        }
        File dir = new File(args[0]);
        File out = new File(args[1]);
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        Metadata meta = Metadata.parse(read(new File(dir, "metadata.json")));
        Map<String, Object> root = Json.object(Json.parse(read(new File(dir, "tracking.json"))), "tracking");
        Map<String, Object> seq = Json.object(Json.object(root.get("sequences"), "sequences").get(SEQUENCE), SEQUENCE);
        List<List<Person>> frames = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        for (Object f : Json.array(seq.get("frames"), "frames")) {
            Map<String, Object> frame = Json.object(f, "frame");
            frames.add(people(frame));
            times.add(Json.number(frame.get("time"), "time"));
        }
        Tracker tracker = Tracker.from(meta);
        for (int w = 0; w < warmup; w++) {
            pass(tracker, frames, times, null);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        tracker.reset();
        long before = threads.getThreadAllocatedBytes(id);
        int updates = pass(tracker, frames, times, null);
        long bytes = threads.getThreadAllocatedBytes(id) - before;
        List<Double> ms = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            pass(tracker, frames, times, ms);
        }
        double[] sorted = new double[ms.size()];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = ms.get(i);
        }
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        double p90 = sorted[(int) (0.9 * (sorted.length - 1))];
        String json = String.format(Locale.ROOT,
                "{\"sequence\": \"%s\", \"people\": %d, \"frames_timed\": %d, \"median_ms\": %.5f, \"p90_ms\": %.5f, "
                        + "\"bytes_per_update_after_warmup\": %.1f}%n",
                SEQUENCE, PEOPLE, sorted.length, median, p90, bytes / (double) updates);
        out.getAbsoluteFile().getParentFile().mkdirs();
        try (PrintWriter w = new PrintWriter(out, "UTF-8")) {
            w.print(json);
        }
        System.out.printf(Locale.ROOT, "Java tracker + filter at %d people: %.4f ms median, %.4f ms p90 per frame; "
                + "%.1f bytes allocated per update; wrote %s%n", PEOPLE, median, p90, bytes / (double) updates, out);
    }

    /** One pass over the sequence from a fresh tracker; the ms of each update tracking PEOPLE people into ms. */
    private static int pass(Tracker tracker, List<List<Person>> frames, List<Double> times, List<Double> ms) {
        tracker.reset();
        for (int f = 0; f < frames.size(); f++) {
            long start = System.nanoTime();
            int tracked = tracker.update(frames.get(f), times.get(f)).size();
            long ns = System.nanoTime() - start;
            if (ms != null && tracked == PEOPLE) {
                ms.add(ns / 1e6);
            }
        }
        return frames.size();
    }

    private static List<Person> people(Map<String, Object> frame) {
        List<Person> out = new ArrayList<>();
        for (Object o : Json.array(frame.get("people"), "people")) {
            Map<String, Object> p = Json.object(o, "person");
            List<Object> yx = Json.array(p.get("yx"), "yx");
            double[] y = new double[yx.size()];
            double[] x = new double[yx.size()];
            for (int k = 0; k < y.length; k++) {
                double[] pt = Json.doubles(yx.get(k), "yx");
                y[k] = pt[0];
                x[k] = pt[1];
            }
            out.add(new Person(y, x, Json.doubles(p.get("scores"), "scores"), Json.number(p.get("scale"), "scale")));
        }
        return out;
    }

    private static String read(File f) throws IOException {
        return new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
    }
}
