package org.personlab.mobile.core;

import java.util.Arrays;
import java.util.List;

/**
 * Instance labels (mobile_decoder.masks.instance_labels) in reusable buffers: each grid node's distance
 * to each person (mean |long-range prediction - keypoint| over the person's confident keypoints, over
 * its scale) is interpolated to the mask-grid pixels above the segmentation threshold; a pixel joins the
 * nearest person within mask_distance. Where a pixel's 4 corner nodes agree on the nearest person, so
 * does every convex combination of them, and only that person's distance is computed.
 */
final class MaskLabels {
    private final int k;
    private final int nodes;
    private final LongRange longRange;
    private final float[] seg;
    private final boolean[] used;
    private final int[] index;
    private final double[] nodeY;
    private final double[] nodeX;
    private final double[] predY; // (nodes, K)
    private final double[] predX;
    private final int[] nodeBest;
    private final double[] rowTmp;
    private final float[] cellMax;
    /** Rounding in the bilinear blend moves a value by far less than this. */
    private static final double OFF_MARGIN = 1e-6;
    private final int[] corner = new int[4];
    private final double[] cw = new double[4];
    private final double[] w = new double[4];
    private final double[] hyp;
    private double threshold;
    private int[] labels = new int[0];
    private int[] pixels = new int[0]; // the mask pixels above the threshold, row-major
    private int[] takers = new int[0];
    private double[] dist = new double[0]; // (nodes, takers)
    private Axis ay;
    private Axis ax;
    int mh;
    int mw;

    /**
     * One axis of the mask grid against the output grid, per mask pixel: its lower node and weight for
     * resampling the segmentation (masks.upsample_axis), and its corner node and fraction as
     * Heads.corners computes them for the pixel's input position.
     */
    private static final class Axis {
        final int nOut;
        final int cell;
        final int[] lo;
        final double[] wHi;
        final int[] corner;
        final double[] fraction;

        Axis(int nOut, int cell, int stride, int nGrid) {
            this.nOut = nOut;
            this.cell = cell;
            lo = new int[nOut];
            wHi = new double[nOut];
            corner = new int[nOut];
            fraction = new double[nOut];
            for (int i = 0; i < nOut; i++) {
                double g = Heads.clip((double) (i * cell) / stride, 0.0, nGrid - 1);
                lo[i] = Math.min((int) g, nGrid - 2);
                wHi[i] = g - lo[i];
                double c = Heads.clip((i * (double) cell) / stride, 0.0, nGrid - 1);
                corner[i] = Math.min((int) c, nGrid - 2);
                fraction[i] = c - corner[i];
            }
        }
    }

    MaskLabels(int k, int gh, int gw, LongRange longRange) {
        this.k = k;
        this.nodes = gh * gw;
        this.longRange = longRange;
        seg = new float[nodes];
        used = new boolean[nodes];
        index = new int[nodes];
        nodeY = new double[nodes];
        nodeX = new double[nodes];
        predY = new double[nodes * k];
        predX = new double[nodes * k];
        nodeBest = new int[nodes];
        rowTmp = new double[gw];
        cellMax = new float[nodes];
        hyp = new double[k];
    }

    private void size(Heads heads, int cell, int people) {
        mh = (heads.inputH - 1) / cell + 1;
        mw = (heads.inputW - 1) / cell + 1;
        if (labels.length != mh * mw) {
            labels = new int[mh * mw];
            pixels = new int[mh * mw];
        }
        if (ay == null || ay.nOut != mh || ay.cell != cell) {
            ay = new Axis(mh, cell, heads.stride, heads.gh);
            ax = new Axis(mw, cell, heads.stride, heads.gw);
        }
        if (takers.length < people) {
            takers = new int[people];
            dist = new double[nodes * people];
        }
    }

    /** (mh, mw) row-major person index (or -1); the array is reused by the next call. */
    int[] label(Heads heads, List<Person> people, DecoderConfig cfg) {
        int cell = cfg.maskStride;
        size(heads, cell, people.size());
        Arrays.fill(labels, -1);
        int t = 0;
        for (int j = 0; j < people.size(); j++) {
            Person p = people.get(j);
            boolean any = false;
            for (double s : p.scores) {
                any |= s > cfg.keypointFloor;
            }
            if (p.score >= cfg.maskMinScore && any) {
                takers[t++] = j;
            }
        }
        if (t == 0 || !heads.hasMasks()) {
            return labels;
        }
        int gw = heads.gw;
        threshold = cfg.segThreshold;
        heads.segmentation.dense(nodes, seg);
        // the nodes at the corners of the pixels on the mask (on_mask = Ay @ seg @ Ax.T > threshold)
        Arrays.fill(used, false);
        for (int g = 0; g + gw + 1 < nodes; g++) { // cell (y, x) at g = y * gw + x: the largest of its 4 nodes
            cellMax[g] = Math.max(Math.max(seg[g], seg[g + 1]), Math.max(seg[g + gw], seg[g + gw + 1]));
        }
        double surelyOff = threshold - OFF_MARGIN;
        int np = 0;
        for (int i = 0; i < mh; i++) {
            int band = ay.lo[i] * gw;
            boolean interpolated = false;
            for (int j = 0; j < mw; j++) {
                if (cellMax[band + ax.lo[j]] < surelyOff) { // a blend of values below it stays below the threshold
                    continue;
                }
                if (!interpolated) {
                    interpolateRow(i, gw);
                    interpolated = true;
                }
                if (on(j)) {
                    int base = ay.corner[i] * gw + ax.corner[j];
                    used[base] = true;
                    used[base + 1] = true;
                    used[base + gw] = true;
                    used[base + gw + 1] = true;
                    pixels[np++] = i * mw + j;
                }
            }
        }
        if (np == 0) {
            return labels;
        }
        int u = 0;
        for (int g = 0; g < nodes; g++) {
            if (used[g]) {
                index[g] = u;
                nodeY[u] = (g / gw) * (double) heads.stride;
                nodeX[u] = (g % gw) * (double) heads.stride;
                u++;
            }
        }
        longRange.predict(heads, nodeY, nodeX, u, cfg.maskRefineSteps, predY, predX);
        distances(people, t, u, cfg.keypointFloor);
        double limit = cfg.maskDistance;
        for (int q = 0; q < np; q++) {
            int pixel = pixels[q];
            int best = nearest(gw, pixel / mw, pixel % mw, t);
            if (pixelDistance(best, t) <= limit) {
                labels[pixel] = takers[best];
            }
        }
        return labels;
    }

    /** Fills rowTmp with the segmentation interpolated along y to mask row i. */
    private void interpolateRow(int i, int gw) {
        int lo = ay.lo[i];
        double wHi = ay.wHi[i];
        for (int b = 0; b < gw; b++) {
            rowTmp[b] = (1 - wHi) * seg[lo * gw + b] + wHi * seg[(lo + 1) * gw + b];
        }
    }

    /** Whether pixel j of the interpolated row is on the mask. */

    private boolean on(int j) {
        int lo = ax.lo[j];
        double wHi = ax.wHi[j];
        return (1 - wHi) * rowTmp[lo] + wHi * rowTmp[lo + 1] > threshold;
    }

    private void distances(List<Person> people, int t, int u, double floor) {
        for (int col = 0; col < t; col++) {
            Person p = people.get(takers[col]);
            for (int a = 0; a < u; a++) {
                int m = 0;
                double total = 0.0;
                for (int j = 0; j < k; j++) {
                    if (p.scores[j] > floor) {
                        double dy = predY[a * k + j] - p.y[j];
                        double dx = predX[a * k + j] - p.x[j];
                        hyp[m++] = Math.sqrt(dy * dy + dx * dx);
                    }
                }
                dist[a * t + col] = NpMath.sum(hyp, 0, m) / m / p.scale;
            }
        }
        for (int a = 0; a < u; a++) {
            int best = 0;
            for (int col = 1; col < t; col++) {
                if (dist[a * t + col] < dist[a * t + best]) {
                    best = col;
                }
            }
            nodeBest[a] = best;
        }
    }

    /** The taker nearest to mask pixel (i, j); leaves its 4 corners' rows of dist and their weights in corner / w. */
    private int nearest(int gw, int i, int j, int t) {
        int base = ay.corner[i] * gw + ax.corner[j];
        double fy = ay.fraction[i];
        double fx = ax.fraction[j];
        corner[0] = base;
        corner[1] = base + 1;
        corner[2] = base + gw;
        corner[3] = base + gw + 1;
        cw[0] = (1 - fy) * (1 - fx);
        cw[1] = (1 - fy) * fx;
        cw[2] = fy * (1 - fx);
        cw[3] = fy * fx;
        double den = 0.0;
        for (int c = 0; c < 4; c++) {
            w[c] = (double) seg[corner[c]] * cw[c];
            den += w[c];
        }
        for (int c = 0; c < 4; c++) {
            w[c] = den > 1e-3 ? w[c] / Math.max(den, 1e-3) : cw[c];
            corner[c] = index[corner[c]];
        }
        int b = nodeBest[corner[0]];
        if (nodeBest[corner[1]] == b && nodeBest[corner[2]] == b && nodeBest[corner[3]] == b) {
            return b;
        }
        int best = 0;
        double bestDist = pixelDistance(0, t);
        for (int col = 1; col < t; col++) {
            double d = pixelDistance(col, t);
            if (d < bestDist) {
                best = col;
                bestDist = d;
            }
        }
        return best;
    }

    private double pixelDistance(int col, int t) {
        double d = 0.0;
        for (int c = 0; c < 4; c++) {
            d += w[c] * dist[corner[c] * t + col];
        }
        return d;
    }
}
