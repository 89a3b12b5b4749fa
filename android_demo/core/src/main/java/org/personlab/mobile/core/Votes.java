package org.personlab.mobile.core;

import java.util.Arrays;

/**
 * Hough votes of one frame (mobile_decoder.poses.votes), in reusable buffers: a grid node with keypoint
 * probability p above the floor votes p / (grid nodes per disk) at itself + its short offset. Type j's
 * votes are slots [0, count[j]) of row j; rows are padded with zero weight to {@link #width} (NumPy's
 * (K, V) array), which fixes the pairwise summation order. A bucket grid finds the votes near a point.
 */
final class Votes {
    private static final int BUCKET = 16; // input pixels per bucket side

    final int k;
    final int cap; // slots per row: grid nodes
    final int[] count;
    int width; // V: the widest row, at least 1
    final double[] y; // (K, cap)
    final double[] x;
    final double[] w;
    private final float[] prob;
    private final int bh;
    private final int bw;
    private final int[] bucketStart; // (K * bh * bw + 1) CSR over slots, ascending within a bucket
    private final int[] bucketSlots;
    private final int[] bucketOf;
    private final int[] sortTmp;
    private final int[] sortCounts = new int[Sorting.COUNTS];

    Votes(int k, int nodes, int inputH, int inputW) {
        this.k = k;
        cap = nodes;
        count = new int[k];
        y = new double[k * cap];
        x = new double[k * cap];
        w = new double[k * cap];
        prob = new float[k * cap];
        bh = (inputH - 1) / BUCKET + 1;
        bw = (inputW - 1) / BUCKET + 1;
        bucketStart = new int[k * bh * bw + 1];
        bucketSlots = new int[k * cap];
        bucketOf = new int[k * cap];
        sortTmp = new int[cap];
    }

    void fill(Heads heads, DecoderConfig cfg) {
        int g = heads.gh * heads.gw;
        heads.heatmaps.dense(g, prob);
        Arrays.fill(count, 0);
        Head shortOffsets = heads.shortOffsets;
        float area = (float) (Math.PI * (heads.diskRadius * heads.diskRadius));
        float cellArea = (float) (heads.stride * heads.stride);
        for (int n = 0; n < g; n++) {
            for (int j = 0; j < k; j++) {
                float p = prob[n * k + j];
                if (p > cfg.heatmapFloor) {
                    int at = j * cap + count[j]++;
                    float offY = shortOffsets.read(n, j);
                    float offX = shortOffsets.read(n, j + k);
                    y[at] = (double) ((n / heads.gw) * heads.stride) + (double) offY;
                    x[at] = (double) ((n % heads.gw) * heads.stride) + (double) offX;
                    w[at] = (double) ((p * cellArea) / area); // float32, as NumPy
                }
            }
        }
        width = 1;
        for (int c : count) {
            width = Math.max(width, c);
        }
        for (int j = 0; j < k; j++) {
            int row = j * cap;
            Arrays.fill(y, row + count[j], row + width, 0.0);
            Arrays.fill(x, row + count[j], row + width, 0.0);
            Arrays.fill(w, row + count[j], row + width, 0.0);
        }
        index();
    }

    private int bucketRow(double v) {
        return Math.min(Math.max((int) Math.floor(v / BUCKET), 0), bh - 1);
    }

    private int bucketCol(double v) {
        return Math.min(Math.max((int) Math.floor(v / BUCKET), 0), bw - 1);
    }

    private void index() {
        int nb = bh * bw;
        Arrays.fill(bucketStart, 0);
        for (int j = 0; j < k; j++) {
            for (int s = 0; s < count[j]; s++) {
                int at = j * cap + s;
                int b = j * nb + bucketRow(y[at]) * bw + bucketCol(x[at]);
                bucketOf[at] = b;
                bucketStart[b + 1]++;
            }
        }
        for (int b = 0; b < k * nb; b++) {
            bucketStart[b + 1] += bucketStart[b];
        }
        for (int j = 0; j < k; j++) { // slots in ascending order: each bucket ascending
            for (int s = 0; s < count[j]; s++) {
                int b = bucketOf[j * cap + s];
                bucketSlots[bucketStart[b]++] = s;
            }
        }
        for (int b = k * nb; b > 0; b--) { // the fill advanced every start to the next bucket's
            bucketStart[b] = bucketStart[b - 1];
        }
        bucketStart[0] = 0;
    }

    /**
     * Writes into {@code out} the ascending slots of type j's votes with |vy - cy| <= half and
     * |vx - cx| <= half; returns how many.
     */
    int inBox(int j, double cy, double cx, double half, int[] out) {
        int nb = bh * bw;
        int r0 = bucketRow(cy - half);
        int r1 = bucketRow(cy + half);
        int c0 = bucketCol(cx - half);
        int c1 = bucketCol(cx + half);
        int m = 0;
        int row = j * cap;
        for (int r = r0; r <= r1; r++) {
            for (int c = c0; c <= c1; c++) {
                int b = j * nb + r * bw + c;
                for (int i = bucketStart[b]; i < bucketStart[b + 1]; i++) {
                    int s = bucketSlots[i];
                    if (Math.abs(y[row + s] - cy) <= half && Math.abs(x[row + s] - cx) <= half) {
                        out[m++] = s;
                    }
                }
            }
        }
        Sorting.ascending(out, m, sortTmp, sortCounts);
        return m;
    }
}
