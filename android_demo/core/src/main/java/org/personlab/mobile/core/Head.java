package org.personlab.mobile.core;

/**
 * One (gh, gw, C_raw) output tensor as the model wrote it, and how to read it (mobile_decoder.heads.Head).
 * Values are dequantized only where read, in float32 exactly as NumPy does ((raw - zp) * scale), and
 * sanitised: probabilities clipped to [0, 1], offsets to +-limit, NaN read as 0.
 */
public final class Head {
    public static final int PROBABILITY = 0;
    public static final int LOGIT = 1;
    public static final int OFFSET = 2;

    public final String name;
    final byte[] bytes; // integer tensors (null for float)
    final boolean unsigned; // uint8
    final float[] floats; // float tensors (null for integer)
    public final int rawChannels;
    final int[] order;
    public final double scale; // 0: a float tensor
    public final int zeroPoint;
    final float scaleF;
    final float zeroPointF;
    public final int kind;
    final double limit;
    private final float[] table; // integer heads: read()'s value of each raw byte (index raw & 0xFF)

    Head(String name, byte[] bytes, boolean unsigned, float[] floats, int rawChannels, int[] order, double scale,
            int zeroPoint, int kind, double limit) {
        this.name = name;
        this.bytes = bytes;
        this.unsigned = unsigned;
        this.floats = floats;
        this.rawChannels = rawChannels;
        this.order = order.clone();
        this.scale = scale;
        this.zeroPoint = zeroPoint;
        this.scaleF = (float) scale;
        this.zeroPointF = (float) zeroPoint;
        this.kind = kind;
        this.limit = limit;
        if (bytes != null) {
            table = new float[256];
            for (int b = 0; b < 256; b++) {
                int raw = unsigned ? b : (byte) b;
                table[b] = sanitise(((float) raw - zeroPointF) * scaleF);
            }
        } else {
            table = null;
        }
    }

    public int channels() {
        return order.length;
    }

    /** The stored value at a raw flat index, as a double (integers exactly; floats widened). */
    double rawAt(int index) {
        if (bytes != null) {
            return unsigned ? (bytes[index] & 0xFF) : bytes[index];
        }
        return floats[index];
    }

    /** Dequantized (float32) integer value, as NumPy: (float32(raw) - float32(zp)) * float32(scale). */
    public static float dequantize(int raw, float scale, float zeroPoint) {
        return ((float) raw - zeroPoint) * scale;
    }

    /** The sanitised float32 value of our channel {@code channel} at flat grid node {@code node}. */
    public float read(int node, int channel) {
        return value(node * rawChannels + order[channel]);
    }

    /** The sanitised float32 value at a raw flat index. */
    private float value(int index) {
        if (bytes != null) {
            return table[bytes[index] & 0xFF];
        }
        float v = floats[index];
        return sanitise(v != v ? 0.0f : v);
    }

    /**
     * Our channels {@code pair} and {@code pair} + channels / 2 (an offset's y and x) at the nodes base, base + 1,
     * base + gw and base + gw + 1 of a grid gw wide, each widened to double and times its weight w[0..4), summed
     * in that order from 0 (a bilinear sample, as NumPy's), into out[0] and out[1].
     */
    void blendPair(int base, int gw, int pair, double[] w, double[] out) {
        int i = base * rawChannels;
        int below = i + gw * rawChannels;
        int cy = order[pair];
        int cx = order[pair + order.length / 2];
        out[0] = 0.0 + (double) value(i + cy) * w[0] + (double) value(i + rawChannels + cy) * w[1]
                + (double) value(below + cy) * w[2] + (double) value(below + rawChannels + cy) * w[3];
        out[1] = 0.0 + (double) value(i + cx) * w[0] + (double) value(i + rawChannels + cx) * w[1]
                + (double) value(below + cx) * w[2] + (double) value(below + rawChannels + cx) * w[3];
    }

    /**
     * The nodes (ascending) below {@code nodes} where our channel {@code channel} reads above {@code floor}, into
     * {@code out}; returns how many. {@code above}: 256 flags of scratch (integer heads: the raw bytes that do).
     */
    int nodesAbove(int channel, double floor, int nodes, boolean[] above, int[] out) {
        int m = 0;
        if (bytes == null) {
            for (int n = 0; n < nodes; n++) {
                if (read(n, channel) > floor) {
                    out[m++] = n;
                }
            }
            return m;
        }
        for (int b = 0; b < 256; b++) {
            above[b] = table[b] > floor;
        }
        for (int n = 0, i = order[channel]; n < nodes; n++, i += rawChannels) {
            if (above[bytes[i] & 0xFF]) {
                out[m++] = n;
            }
        }
        return m;
    }

    /** Clipped to +-limit (offsets) or to [0, 1] (probabilities; logits through the sigmoid first). */
    private float sanitise(float v) {
        if (kind == OFFSET) {
            return clip(v, -limit, limit);
        }
        if (kind == LOGIT) {
            float c = v < -30.0f ? -30.0f : (v > 30.0f ? 30.0f : v);
            v = 1.0f / (1.0f + (float) Math.exp(-c));
        }
        return clip(v, 0.0, 1.0);
    }

    private static float clip(float v, double lo, double hi) {
        if (v < lo) {
            return (float) lo;
        }
        if (v > hi) {
            return (float) hi;
        }
        return v;
    }

    /** All values as (gh * gw, C) row-major floats into {@code out}: heads read everywhere (heatmaps, segmentation). */
    void dense(int nodes, float[] out) {
        int c = channels();
        for (int n = 0; n < nodes; n++) {
            for (int k = 0; k < c; k++) {
                out[n * c + k] = read(n, k);
            }
        }
    }
}
