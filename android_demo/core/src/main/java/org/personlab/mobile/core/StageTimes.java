package org.personlab.mobile.core;

import java.util.Locale;

/** Per-frame stage times (preprocessing, inference, decode) and frame rate, smoothed for display. */
public final class StageTimes {
    private static final double SMOOTHING = 0.1;

    private double preprocessMs;
    private double inferenceMs;
    private double decodeMs;
    private double fps;
    private long lastFrameNanos;

    /** One frame's stage durations (nanoseconds) and its end time. */
    public void add(long preprocessNanos, long inferenceNanos, long decodeNanos, long endNanos) {
        boolean first = lastFrameNanos == 0;
        preprocessMs = smooth(preprocessMs, preprocessNanos / 1e6, first);
        inferenceMs = smooth(inferenceMs, inferenceNanos / 1e6, first);
        decodeMs = smooth(decodeMs, decodeNanos / 1e6, first);
        if (!first && endNanos > lastFrameNanos) {
            fps = smooth(fps, 1e9 / (endNanos - lastFrameNanos), fps == 0);
        }
        lastFrameNanos = endNanos;
    }

    private static double smooth(double old, double value, boolean first) {
        return first ? value : old + SMOOTHING * (value - old);
    }

    public double preprocessMs() {
        return preprocessMs;
    }

    public double inferenceMs() {
        return inferenceMs;
    }

    public double decodeMs() {
        return decodeMs;
    }

    public double fps() {
        return fps;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.1f FPS  pre %.1f ms  infer %.1f ms  decode %.1f ms", fps, preprocessMs, inferenceMs, decodeMs);
    }
}
