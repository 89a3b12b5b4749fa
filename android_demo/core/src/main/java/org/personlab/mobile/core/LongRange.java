package org.personlab.mobile.core;

/**
 * poses.long_range_predictions in reusable buffers: the K keypoints predicted from each of N points by
 * the long-range offsets (segmentation-weighted bilinear of the absolute targets, plain bilinear away
 * from people), clamped, then refined by short offsets.
 */
final class LongRange {
    private final int k;
    private final int[] nodes = new int[4];
    private final double[] cw = new double[4];
    private final double[] nodeY = new double[4];
    private final double[] nodeX = new double[4];
    private final double[] wt = new double[4];
    private final double[] off = new double[2];

    LongRange(int k) {
        this.k = k;
    }

    /** Predictions of the keypoints j with which[j] from points (py[i], px[i]), i < n, into outY / outX as (n, K) row-major. */
    void predict(Heads heads, double[] py, double[] px, int n, int refineSteps, boolean[] which, double[] outY, double[] outX) {
        int gw = heads.gw;
        double stride = heads.stride;
        Head longOffsets = heads.longOffsets;
        Head segmentation = heads.segmentation;
        for (int i = 0; i < n; i++) {
            heads.corners(py[i], px[i], nodes, cw, 0);
            double den = 0.0;
            for (int c = 0; c < 4; c++) {
                nodeY[c] = (nodes[c] / gw) * stride;
                nodeX[c] = (nodes[c] % gw) * stride;
                wt[c] = (double) segmentation.read(nodes[c], 0) * cw[c];
                den += wt[c];
            }
            for (int c = 0; c < 4; c++) {
                wt[c] = den > 1e-3 ? wt[c] / Math.max(den, 1e-3) : cw[c];
            }
            int row = i * k;
            for (int j = 0; j < k; j++) {
                if (!which[j]) {
                    continue;
                }
                double sy = 0.0;
                double sx = 0.0;
                for (int c = 0; c < 4; c++) {
                    if (wt[c] == 0.0) { // adds an exact zero (grid nodes have one corner of weight 1)
                        continue;
                    }
                    sy += wt[c] * (nodeY[c] + (double) longOffsets.read(nodes[c], j));
                    sx += wt[c] * (nodeX[c] + (double) longOffsets.read(nodes[c], j + k));
                }
                outY[row + j] = heads.clampY(sy);
                outX[row + j] = heads.clampX(sx);
            }
        }
        for (int j = 0; j < k; j++) { // keypoint by keypoint: one type's predictions read the offsets near it
            if (!which[j]) {
                continue;
            }
            for (int at = j; at < n * k; at += k) {
                double y = outY[at];
                double x = outX[at];
                for (int r = 0; r < refineSteps; r++) {
                    heads.offsets(heads.shortOffsets, y, x, j, nodes, cw, off);
                    y = heads.clampY(y + off[0]);
                    x = heads.clampX(x + off[1]);
                }
                outY[at] = y;
                outX[at] = x;
            }
        }
    }
}
