package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Validated outputs of one image (mobile_decoder.heads.Heads): the grid, stride, input size and heads.
 * The metadata's spec says which heads exist, their channels and groups: pose heads are required,
 * mask heads come all together or not at all. The decoder reads the heads by their spec names.
 */
public final class Heads {
    final Map<String, Head> heads;
    final Head heatmaps;
    final Head shortOffsets;
    final Head midOffsets;
    final Head segmentation; // null without mask heads
    final Head longOffsets; // null without mask heads
    public final int gh;
    public final int gw;
    public final int stride;
    private final double inverseStride; // 1 / stride when that is exact (a power of two), else 0
    public final int inputH;
    public final int inputW;
    final double[] sigmas;
    final double diskRadius;
    final int[][] directedEdges;

    private Heads(Map<String, Head> heads, int gh, int gw, int stride, int inputH, int inputW, double[] sigmas,
            double diskRadius, int[][] directedEdges) {
        this.heads = heads;
        this.heatmaps = heads.get("heatmaps");
        this.shortOffsets = heads.get("short_offsets");
        this.midOffsets = heads.get("mid_offsets");
        this.segmentation = heads.get("segmentation");
        this.longOffsets = heads.get("long_offsets");
        this.gh = gh;
        this.gw = gw;
        this.stride = stride;
        this.inverseStride = Integer.bitCount(stride) == 1 ? 1.0 / stride : 0.0;
        this.inputH = inputH;
        this.inputW = inputW;
        this.sigmas = sigmas;
        this.diskRadius = diskRadius;
        this.directedEdges = directedEdges;
    }

    public Head get(String name) {
        Head h = heads.get(name);
        if (h == null) {
            throw new MetadataException("no head " + name);
        }
        return h;
    }

    public boolean hasMasks() {
        return segmentation != null && longOffsets != null;
    }

    public int numKeypoints() {
        return sigmas.length;
    }

    /**
     * Checks raw outputs against the metadata. {@code outputs} maps head names to the flat tensor:
     * {@code byte[]} for int8 / uint8 heads, {@code float[]} for float32 heads ((1, gh, gw, C) row-major).
     * MetadataException on any mismatch, naming the head.
     */
    public static Heads fromOutputs(Map<String, ?> outputs, Metadata meta) {
        if (meta.version != Metadata.VERSION) {
            throw new MetadataException("metadata version " + meta.version + ", this decoder reads version " + Metadata.VERSION);
        }
        List<String> pose = new ArrayList<>();
        List<String> mask = new ArrayList<>();
        for (Metadata.SpecHead h : meta.specHeads.values()) {
            (Metadata.POSE.equals(h.group) ? pose : mask).add(h.name);
        }
        List<String> names = new ArrayList<>();
        int poseCount = 0;
        int maskCount = 0;
        for (String n : pose) {
            if (meta.heads.containsKey(n)) {
                names.add(n);
                poseCount++;
            }
        }
        for (String n : mask) {
            if (meta.heads.containsKey(n)) {
                names.add(n);
                maskCount++;
            }
        }
        if (pose.isEmpty() || poseCount < pose.size() || (maskCount > 0 && maskCount < mask.size())) {
            throw new MetadataException("metadata heads " + new TreeSet<>(meta.heads.keySet()) + ": need "
                    + pose + ", and " + mask + " all or none");
        }
        Map<String, Head> heads = new HashMap<>();
        int[] grid = null;
        double limit = Math.max(meta.inputH, meta.inputW);
        for (String name : names) {
            Metadata.HeadInfo info = meta.heads.get(name);
            Object tensor = outputs.get(name);
            if (tensor == null) {
                throw new MetadataException("no tensor for head '" + name + "' (got " + new TreeSet<>(outputs.keySet()) + ")");
            }
            int[] shape = info.shape;
            if (shape.length != 4 || shape[0] != 1) {
                throw new MetadataException("head '" + name + "': the metadata shape " + Arrays.toString(shape) + " is not (1, gh, gw, C)");
            }
            int size = info.size();
            byte[] bytes = null;
            float[] floats = null;
            boolean unsigned = false;
            int length;
            if ("int8".equals(info.dtype) || "uint8".equals(info.dtype)) {
                if (!(tensor instanceof byte[])) {
                    throw new MetadataException("head '" + name + "' is " + tensor.getClass().getSimpleName() + ", the metadata says " + info.dtype + " (byte[])");
                }
                bytes = (byte[]) tensor;
                unsigned = "uint8".equals(info.dtype);
                length = bytes.length;
            } else if ("float32".equals(info.dtype)) {
                if (!(tensor instanceof float[])) {
                    throw new MetadataException("head '" + name + "' is " + tensor.getClass().getSimpleName() + ", the metadata says float32 (float[])");
                }
                floats = (float[]) tensor;
                length = floats.length;
            } else {
                throw new MetadataException("head '" + name + "': dtype " + info.dtype + " is not one this decoder reads");
            }
            if (length != size) {
                throw new MetadataException("head '" + name + "' has " + length + " values, the metadata shape "
                        + Arrays.toString(shape) + " needs " + size + (length < size ? " (truncated tensor)" : ""));
            }
            if (grid != null && (shape[1] != grid[0] || shape[2] != grid[1])) {
                throw new MetadataException("head '" + name + "' grid " + shape[1] + "x" + shape[2] + " differs from the others' " + grid[0] + "x" + grid[1]);
            }
            grid = new int[] {shape[1], shape[2]};
            if (Math.min(grid[0], grid[1]) < 2) {
                throw new MetadataException("head '" + name + "' grid " + grid[0] + "x" + grid[1] + " is smaller than 2 x 2");
            }
            int kind;
            if ("probability".equals(info.kind)) {
                kind = Head.PROBABILITY;
            } else if ("logit".equals(info.kind)) {
                kind = Head.LOGIT;
            } else if ("offset".equals(info.kind)) {
                kind = Head.OFFSET;
            } else {
                kind = -1;
            }
            int min = Integer.MAX_VALUE;
            int max = Integer.MIN_VALUE;
            for (int o : info.order) {
                min = Math.min(min, o);
                max = Math.max(max, o);
            }
            int channels = meta.specHeads.get(name).channels;
            if (info.order.length != channels || min < 0 || max >= shape[3] || kind < 0) {
                throw new MetadataException("head '" + name + "': " + info.order.length + " channels of kind '" + info.kind + "', need " + channels);
            }
            heads.put(name, new Head(name, bytes, unsigned, floats, shape[3], info.order, info.scale, info.zeroPoint, kind, limit));
        }
        return new Heads(heads, grid[0], grid[1], meta.stride, meta.inputH, meta.inputW, meta.oksSigmas.clone(),
                meta.diskRadius, meta.directedEdges);
    }

    // ---- Corners: bilinear interpolation on the output grid ----

    /**
     * Writes the 4 corner nodes ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)) and weights of point (y, x)
     * into nodes[at..at+3], weights[at..at+3] (mobile_decoder.heads.Corners.at).
     */
    void corners(double y, double x, int[] nodes, double[] weights, int at) {
        double gy = clip(toGrid(y), 0.0, gh - 1);
        double gx = clip(toGrid(x), 0.0, gw - 1);
        int ty = Math.min((int) gy, gh - 2);
        int tx = Math.min((int) gx, gw - 2);
        double fy = gy - ty;
        double fx = gx - tx;
        int base = ty * gw + tx;
        nodes[at] = base;
        nodes[at + 1] = base + 1;
        nodes[at + 2] = base + gw;
        nodes[at + 3] = base + gw + 1;
        weights[at] = (1 - fy) * (1 - fx);
        weights[at + 1] = (1 - fy) * fx;
        weights[at + 2] = fy * (1 - fx);
        weights[at + 3] = fy * fx;
    }

    /** v / stride; a multiplication when the stride is a power of two (the same double, cheaper). */
    private double toGrid(double v) {
        return inverseStride != 0.0 ? v * inverseStride : v / stride;
    }

    static double clip(double v, double lo, double hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }

    double clampY(double y) {
        return clip(y, 0.0, inputH - 1.0);
    }

    double clampX(double x) {
        return clip(x, 0.0, inputW - 1.0);
    }

    /**
     * mobile_decoder.heads.offsets for one point: (dy, dx) of the y-planar pair {@code pair}, float32 dequantized
     * corner values interpolated in doubles. Writes out[0] = dy, out[1] = dx.
     */
    void offsets(Head head, double y, double x, int pair, int[] nodes, double[] weights, double[] out) {
        corners(y, x, nodes, weights, 0);
        head.blendPair(nodes[0], gw, pair, weights, out);
    }

    /**
     * mobile_decoder.heads.scalar_pair_reader: raw values interpolated first (doubles), then dequantized with the
     * double scale and sanitised. For the tree walk. Writes out[0] = dy, out[1] = dx.
     */
    void scalarOffsets(Head head, double y, double x, int pair, double[] out) {
        int c = head.rawChannels;
        int half = head.channels() / 2;
        double scale = head.scale != 0.0 ? head.scale : 1.0;
        double zeroPoint = head.scale != 0.0 ? head.zeroPoint : 0;
        int row = gw * c;
        double gy = Math.min(Math.max(toGrid(y), 0.0), gh - 1.0);
        double gx = Math.min(Math.max(toGrid(x), 0.0), gw - 1.0);
        int y0 = Math.min((int) gy, gh - 2);
        int x0 = Math.min((int) gx, gw - 2);
        double fy = gy - y0;
        double fx = gx - x0;
        for (int j = 0; j < 2; j++) {
            int i = (y0 * gw + x0) * c + head.order[j == 0 ? pair : pair + half];
            double a = head.rawAt(i);
            double top = a + (head.rawAt(i + c) - a) * fx;
            double b = head.rawAt(i + row);
            double bottom = b + (head.rawAt(i + row + c) - b) * fx;
            double v = (top + (bottom - top) * fy - zeroPoint) * scale;
            out[j] = v - v == 0 ? Math.min(Math.max(v, -head.limit), head.limit) : 0.0;
        }
    }
}
