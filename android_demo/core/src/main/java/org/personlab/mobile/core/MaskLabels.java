package org.personlab.mobile.core;

import java.util.Arrays;
import java.util.List;

/**
 * Instance labels (mobile_decoder.masks.instance_labels) in reusable buffers: each grid node's distance
 * to each person (mean |long-range prediction - keypoint| over the person's confident keypoints, over
 * its scale) is interpolated to the mask-grid pixels above the segmentation threshold; a pixel joins the
 * nearest person within mask_distance. The same labels with less work, grid cell by grid cell (the
 * pixels between the same 4 nodes, kept as row segments):
 * <ul>
 * <li>all 4 nodes below (above) the threshold: every pixel is off (on) the mask;
 * <li>the 4 nodes agree on the nearest person: so does every convex combination of them, and when that
 *     person's distance is on the same side of mask_distance at all 4, by more than the blend's rounding,
 *     every pixel gets the same label without being blended;
 * <li>they disagree: a person whose distance at every corner exceeds another's largest corner distance
 *     (by more than the rounding) is never the nearest, and is not compared.
 * </ul>
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
    private final float[] cellMin; // per grid cell (y, x) at y * gw + x: the smallest segmentation of its 4 nodes
    private final float[] cellMax;
    private final int[] cellLabel; // per grid cell (y, x) at y * gw + x: its pixels' label, or UNSET / PER_PIXEL
    /** Rounding in the bilinear blend moves a value by far less than this. */
    private static final double OFF_MARGIN = 1e-6;
    /**
     * Relative margin of the cell-wide distance tests: the 4 blend weights are >= 0 and sum to 1 within
     * a few ulps, so the blended distance lies within (1 +- 1e-14) of the corners' range.
     */
    private static final double DISTANCE_MARGIN = 1e-9;
    private static final int UNSET = -2;
    private static final int PER_PIXEL = -3;
    private final int[] corner = new int[4];
    private final double[] w = new double[4];
    private final double[] hyp;
    private double threshold;
    private int[] labels = new int[0];
    private int[] segmentStart = new int[0]; // row segments of mask pixels above the threshold: first pixel (i * mw + j),
    private int[] segmentLength = new int[0]; // length,
    private int[] segmentCell = new int[0]; // grid cell
    private int[] takers = new int[0];
    private int[] confident = new int[0]; // (takers, K): each taker's confident keypoints, confidentCount of them
    private int[] confidentCount = new int[0];
    private final boolean[] predicted; // the keypoints some taker is confident of: the only ones predicted
    private double[] dist = new double[0]; // (nodes, takers)
    private int[] candidates = new int[0]; // (grid cells, takers): per cell whose corners disagree, the takers compared
    private final int[] candidateCount;
    private Axis ay;
    private Axis ax;
    int mh;
    int mw;

    /**
     * One axis of the mask grid against the output grid, per mask pixel: its lower node and weight, the
     * same for resampling the segmentation (masks.upsample_axis) and as the corner node and fraction of
     * Heads.corners at the pixel's input position (both clip i * cell / stride); runEnd: one past the
     * last pixel with the same lower node (lo never decreases).
     */
    private static final class Axis {
        final int nOut;
        final int cell;
        final int[] lo;
        final double[] wHi;
        final int[] runEnd;

        Axis(int nOut, int cell, int stride, int nGrid) {
            this.nOut = nOut;
            this.cell = cell;
            lo = new int[nOut];
            wHi = new double[nOut];
            runEnd = new int[nOut];
            for (int i = 0; i < nOut; i++) {
                double g = Heads.clip((double) (i * cell) / stride, 0.0, nGrid - 1);
                lo[i] = Math.min((int) g, nGrid - 2);
                wHi[i] = g - lo[i];
            }
            for (int i = nOut - 1; i >= 0; i--) {
                runEnd[i] = i + 1 < nOut && lo[i + 1] == lo[i] ? runEnd[i + 1] : i + 1;
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
        cellMin = new float[nodes];
        cellMax = new float[nodes];
        cellLabel = new int[nodes];
        candidateCount = new int[nodes];
        hyp = new double[k];
        predicted = new boolean[k];
    }

    private void size(Heads heads, int cell, int people) {
        mh = (heads.inputH - 1) / cell + 1;
        mw = (heads.inputW - 1) / cell + 1;
        if (labels.length != mh * mw) {
            labels = new int[mh * mw];
            segmentStart = new int[mh * mw];
            segmentLength = new int[mh * mw];
            segmentCell = new int[mh * mw];
        }
        if (ay == null || ay.nOut != mh || ay.cell != cell) {
            ay = new Axis(mh, cell, heads.stride, heads.gh);
            ax = new Axis(mw, cell, heads.stride, heads.gw);
        }
        if (takers.length < people) {
            takers = new int[people];
            confident = new int[people * k];
            confidentCount = new int[people];
            dist = new double[nodes * people];
            candidates = new int[nodes * people];
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
        for (int g = 0; g + gw + 1 < nodes; g++) {
            cellMin[g] = Math.min(Math.min(seg[g], seg[g + 1]), Math.min(seg[g + gw], seg[g + gw + 1]));
            cellMax[g] = Math.max(Math.max(seg[g], seg[g + 1]), Math.max(seg[g + gw], seg[g + gw + 1]));
        }
        int segments = maskSegments(gw);
        if (segments == 0) {
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
        confidentKeypoints(people, t, cfg.keypointFloor);
        longRange.predict(heads, nodeY, nodeX, u, cfg.maskRefineSteps, predicted, predY, predX);
        distances(people, t, u);
        double limit = cfg.maskDistance;
        Arrays.fill(cellLabel, UNSET);
        for (int q = 0; q < segments; q++) {
            int cellOf = segmentCell[q];
            if (cellLabel[cellOf] == UNSET) {
                cellLabel[cellOf] = cellLabel(cellOf, gw, t, limit);
            }
            int first = segmentStart[q];
            int end = first + segmentLength[q];
            if (cellLabel[cellOf] != PER_PIXEL) {
                Arrays.fill(labels, first, end, cellLabel[cellOf]);
                continue;
            }
            labelPixels(first, end, first / mw, cellOf, gw, t, limit);
        }
        return labels;
    }

    /**
     * The pixels on the mask (on_mask = Ay @ seg @ Ax.T > threshold) as row segments, each within one grid
     * cell, and the nodes at the corners of their cells marked used. Returns how many segments.
     */
    private int maskSegments(int gw) {
        Arrays.fill(used, false);
        double surelyOff = threshold - OFF_MARGIN;
        double surelyOn = threshold + OFF_MARGIN;
        int segments = 0;
        for (int i0 = 0; i0 < mh; i0 = ay.runEnd[i0]) { // a band of pixel rows between the same grid rows
            for (int j0 = 0; j0 < mw; j0 = ax.runEnd[j0]) {
                int cellOf = ay.lo[i0] * gw + ax.lo[j0];
                if (cellMax[cellOf] < surelyOff) { // a blend of values below it stays below the threshold
                    continue;
                }
                int before = segments;
                for (int i = i0; i < ay.runEnd[i0]; i++) {
                    if (cellMin[cellOf] > surelyOn) { // and one of values above it above
                        segments = segment(segments, i * mw + j0, ax.runEnd[j0] - j0, cellOf);
                    } else {
                        segments = rowSegments(segments, i, j0, cellOf, gw);
                    }
                }
                if (segments > before) {
                    used[cellOf] = true;
                    used[cellOf + 1] = true;
                    used[cellOf + gw] = true;
                    used[cellOf + gw + 1] = true;
                }
            }
        }
        return segments;
    }

    /** The segments of pixel row i in grid cell {@code cellOf}, from pixel j0: the segmentation blended along y, then x. */
    private int rowSegments(int segments, int i, int j0, int cellOf, int gw) {
        double wHi = ay.wHi[i];
        double left = (1 - wHi) * seg[cellOf] + wHi * seg[cellOf + gw];
        double right = (1 - wHi) * seg[cellOf + 1] + wHi * seg[cellOf + gw + 1];
        int end = ax.runEnd[j0];
        int start = -1;
        for (int j = j0; j < end; j++) {
            if ((1 - ax.wHi[j]) * left + ax.wHi[j] * right > threshold) {
                start = start < 0 ? j : start;
            } else if (start >= 0) {
                segments = segment(segments, i * mw + start, j - start, cellOf);
                start = -1;
            }
        }
        return start < 0 ? segments : segment(segments, i * mw + start, end - start, cellOf);
    }

    private int segment(int at, int start, int length, int cellOf) {
        segmentStart[at] = start;
        segmentLength[at] = length;
        segmentCell[at] = cellOf;
        return at + 1;
    }

    /**
     * The label of every pixel of grid cell {@code base} (its 4 corner nodes used), or PER_PIXEL: the
     * corners' nearest taker when they agree and its distance is within / beyond the limit at all 4
     * (NaN at any corner: PER_PIXEL). When they disagree, the cell's candidates are listed.
     */
    private int cellLabel(int base, int gw, int t, double limit) {
        int c0 = index[base];
        int c1 = index[base + 1];
        int c2 = index[base + gw];
        int c3 = index[base + gw + 1];
        int b = nodeBest[c0];
        if (nodeBest[c1] != b || nodeBest[c2] != b || nodeBest[c3] != b) {
            listCandidates(base, c0, c1, c2, c3, t);
            return PER_PIXEL;
        }
        double d0 = dist[c0 * t + b];
        double d1 = dist[c1 * t + b];
        double d2 = dist[c2 * t + b];
        double d3 = dist[c3 * t + b];
        double margin = Math.abs(limit) * DISTANCE_MARGIN;
        if (Math.max(Math.max(d0, d1), Math.max(d2, d3)) <= limit - margin) {
            return takers[b];
        }
        if (Math.min(Math.min(d0, d1), Math.min(d2, d3)) > limit + margin) {
            return -1;
        }
        return PER_PIXEL;
    }

    /**
     * The takers that can be nearest to a pixel of grid cell {@code base} (corner rows c0..c3 of dist), in
     * ascending order: all but those whose smallest corner distance exceeds the smallest largest one
     * (NaN anywhere: all).
     */
    private void listCandidates(int base, int c0, int c1, int c2, int c3, int t) {
        double bound = Double.POSITIVE_INFINITY;
        for (int col = 0; col < t; col++) {
            bound = Math.min(bound, Math.max(Math.max(dist[c0 * t + col], dist[c1 * t + col]),
                    Math.max(dist[c2 * t + col], dist[c3 * t + col])));
        }
        bound *= 1 + 2 * DISTANCE_MARGIN;
        int m = 0;
        for (int col = 0; col < t; col++) {
            double least = Math.min(Math.min(dist[c0 * t + col], dist[c1 * t + col]),
                    Math.min(dist[c2 * t + col], dist[c3 * t + col]));
            if (!(least > bound)) {
                candidates[base * t + m++] = col;
            }
        }
        candidateCount[base] = m;
    }

    /** Each taker's confident keypoints, and which keypoints some taker is confident of. */
    private void confidentKeypoints(List<Person> people, int t, double floor) {
        Arrays.fill(predicted, false);
        for (int col = 0; col < t; col++) {
            Person p = people.get(takers[col]);
            int m = 0;
            for (int j = 0; j < k; j++) {
                if (p.scores[j] > floor) {
                    confident[col * k + m++] = j;
                    predicted[j] = true;
                }
            }
            confidentCount[col] = m;
        }
    }

    private void distances(List<Person> people, int t, int u) {
        for (int col = 0; col < t; col++) {
            Person p = people.get(takers[col]);
            int m = confidentCount[col];
            for (int a = 0; a < u; a++) {
                for (int i = 0; i < m; i++) {
                    int j = confident[col * k + i];
                    double dy = predY[a * k + j] - p.y[j];
                    double dx = predX[a * k + j] - p.x[j];
                    hyp[i] = Math.sqrt(dy * dy + dx * dx);
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

    /**
     * Labels pixels [first, end) of mask row i, all in grid cell {@code cellOf}, one by one: each joins the taker
     * nearest to it (the corners' common nearest when they agree, else the nearest of the cell's candidates) when
     * within the limit. Leaves the corners' rows of dist and a pixel's weights in corner / w.
     */
    private void labelPixels(int first, int end, int i, int cellOf, int gw, int t, double limit) {
        double fy = ay.wHi[i];
        double s0 = seg[cellOf];
        double s1 = seg[cellOf + 1];
        double s2 = seg[cellOf + gw];
        double s3 = seg[cellOf + gw + 1];
        corner[0] = index[cellOf];
        corner[1] = index[cellOf + 1];
        corner[2] = index[cellOf + gw];
        corner[3] = index[cellOf + gw + 1];
        int b = nodeBest[corner[0]];
        boolean agree = nodeBest[corner[1]] == b && nodeBest[corner[2]] == b && nodeBest[corner[3]] == b;
        for (int pixel = first; pixel < end; pixel++) {
            double fx = ax.wHi[pixel - i * mw];
            double cw0 = (1 - fy) * (1 - fx);
            double cw1 = (1 - fy) * fx;
            double cw2 = fy * (1 - fx);
            double cw3 = fy * fx;
            double w0 = s0 * cw0;
            double w1 = s1 * cw1;
            double w2 = s2 * cw2;
            double w3 = s3 * cw3;
            double den = 0.0 + w0 + w1 + w2 + w3;
            boolean blend = den > 1e-3;
            double norm = Math.max(den, 1e-3);
            w[0] = blend ? w0 / norm : cw0;
            w[1] = blend ? w1 / norm : cw1;
            w[2] = blend ? w2 / norm : cw2;
            w[3] = blend ? w3 / norm : cw3;
            int best = b;
            double bestDist = pixelDistance(b, t);
            if (!agree) {
                best = candidates[cellOf * t];
                bestDist = pixelDistance(best, t);
                for (int q = 1; q < candidateCount[cellOf]; q++) {
                    int col = candidates[cellOf * t + q];
                    double d = pixelDistance(col, t);
                    if (d < bestDist) {
                        best = col;
                        bestDist = d;
                    }
                }
            }
            if (bestDist <= limit) {
                labels[pixel] = takers[best];
            }
        }
    }

    private double pixelDistance(int col, int t) {
        double d = 0.0;
        for (int c = 0; c < 4; c++) {
            d += w[c] * dist[corner[c] * t + col];
        }
        return d;
    }
}
