package org.personlab.mobile.core;

import java.util.Arrays;

/**
 * Hough votes of one frame (mobile_decoder.poses.votes), in reusable buffers: a grid node with keypoint
 * probability p above the floor votes p / (grid nodes per disk) at itself + its short offset. Type j's
 * votes are slots [0, count[j]) of row j; NumPy pads the rows with zero weight to {@link #width} (its
 * (K, V) array), which fixes the pairwise summation order. A bucket grid finds the votes near a point.
 */
final class Votes {
    private static final int BUCKET = 32; // input pixels per bucket side
    /** 1 / BUCKET, exact (a power of two). Truncation below 0 differs from floor only where the clamp gives 0 anyway. */
    private static final double PER_BUCKET = 1.0 / BUCKET;
    /** Math.exp(x) is exactly 0 below about -745.13: no need to call it. */
    private static final double EXP_UNDERFLOW = -746.0;
    /** Terms with a smaller exponent are bounded first (below e^-39 of their weight), see {@link #gaussianMass}. */
    private static final double FAR = -40.0;
    /** {@link #massBounds} computes exp only where the exponent is at least -ROUGH: bounds within about 1e-4. */
    private static final int ROUGH = 12;
    /** Votes beyond the box where the exponent is this are bounded all alike (below e^-59 of the largest weight). */
    private static final int OUTSIDE = 60;
    /** EXP_BOUND[i] >= Math.exp(x) for every x <= -i (a margin of a factor e: any exp within 1 ulp). */
    private static final double[] EXP_BOUND = new double[(int) -EXP_UNDERFLOW + 1];

    static {
        for (int i = 0; i < EXP_BOUND.length; i++) {
            EXP_BOUND[i] = Math.exp(1.0 - i);
        }
    }

    final int k;
    final int cap; // slots per row: grid nodes
    final int[] count;
    int width; // V: the widest row, at least 1
    private final double[] maxW; // per type: its largest weight
    final double[] y; // (K, cap)
    final double[] x;
    final double[] w;
    private final int bh;
    private final int bw;
    private final int[] bucketStart; // (K * bh * bw + 1) CSR over slots, ascending within a bucket
    private final int[] bucketSlots;
    private final int[] bucketOf;
    private final int[] voters; // fill scratch: one type's voting nodes
    private final boolean[] above = new boolean[256];
    private final int[] sortTmp;
    private final int[] sortCounts = new int[Sorting.COUNTS];
    private final int[] range = new int[4]; // bucketRange's rows r0..r1, columns c0..c1
    private final double[] low; // gaussianMass scratch: the terms, far ones as 0
    private final double[] high; // and far ones as their bound
    double upperMass; // massBounds' upper bound
    private double roughNear; // massBounds' sums under way: the terms computed,
    private double roughFar; // the bounds of the others

    Votes(int k, int nodes, int inputH, int inputW) {
        this.k = k;
        cap = nodes;
        count = new int[k];
        maxW = new double[k];
        y = new double[k * cap];
        x = new double[k * cap];
        w = new double[k * cap];
        bh = (inputH - 1) / BUCKET + 1;
        bw = (inputW - 1) / BUCKET + 1;
        bucketStart = new int[k * bh * bw + 1];
        bucketSlots = new int[k * cap];
        bucketOf = new int[k * cap];
        voters = new int[cap];
        sortTmp = new int[cap];
        low = new double[cap];
        high = new double[cap];
    }

    void fill(Heads heads, DecoderConfig cfg) {
        int g = heads.gh * heads.gw;
        int gw = heads.gw;
        int stride = heads.stride;
        double floor = cfg.heatmapFloor;
        Head heatmaps = heads.heatmaps;
        Head shortOffsets = heads.shortOffsets;
        float area = (float) (Math.PI * (heads.diskRadius * heads.diskRadius));
        float cellArea = (float) (stride * stride);
        width = 1;
        for (int j = 0; j < k; j++) { // one type at a time: its votes by ascending node, as np.nonzero + stable argsort
            int row = j * cap;
            int c = heatmaps.nodesAbove(j, floor, g, above, voters);
            double most = 0.0;
            for (int i = 0; i < c; i++) {
                int n = voters[i];
                float p = heatmaps.read(n, j);
                float offY = shortOffsets.read(n, j);
                float offX = shortOffsets.read(n, j + k);
                y[row + i] = (double) ((n / gw) * stride) + (double) offY;
                x[row + i] = (double) ((n % gw) * stride) + (double) offX;
                w[row + i] = (double) ((p * cellArea) / area); // float32, as NumPy
                most = Math.max(most, w[row + i]);
            }
            count[j] = c;
            maxW[j] = most;
            width = Math.max(width, c);
        }
        index();
    }

    private int bucketRow(double v) {
        return Math.min(Math.max((int) (v * PER_BUCKET), 0), bh - 1);
    }

    private int bucketCol(double v) {
        return Math.min(Math.max((int) (v * PER_BUCKET), 0), bw - 1);
    }

    /** The bucket rows and columns holding every vote within half of (cy, cx) (a micro-pixel wider: rounding). */
    private void bucketRange(double cy, double cx, double half) {
        double h = half + 1e-6;
        range[0] = bucketRow(cy - h);
        range[1] = bucketRow(cy + h);
        range[2] = bucketCol(cx - h);
        range[3] = bucketCol(cx + h);
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
     * Gaussian vote mass of type j at (cy, cx): sum of w exp(-d^2 / den) over the padded row, in NumPy's
     * order. Most votes are far from the point, their terms below the sum's last bit: Math.exp is skipped for
     * the far terms (exponent below FAR) by summing twice, with each far term as 0 and as a bound. Rounding
     * is monotonic and the terms are >= 0, so the sum lies between the two, and is either when they are
     * equal; else the far terms are computed. When the box where the exponent is -OUTSIDE holds less than
     * half the votes, only its buckets are read, the votes beyond it bounded by the type's largest weight
     * times e^(1 - OUTSIDE).
     */
    double gaussianMass(int j, double cy, double cx, double den) {
        int row = j * cap;
        int n = count[j];
        bucketRange(cy, cx, Math.sqrt(OUTSIDE * den) * (1 + 1e-6)); // beyond it, d^2 / den > OUTSIDE despite rounding
        int inBox = 0;
        for (int r = range[0]; r <= range[1]; r++) {
            inBox += bucketStart[(j * bh + r) * bw + range[3] + 1] - bucketStart[(j * bh + r) * bw + range[2]];
        }
        boolean bounded = 2 * inBox < n; // some term bounded, not computed
        if (bounded) {
            Arrays.fill(low, 0, n, 0.0);
            Arrays.fill(high, 0, n, maxW[j] * EXP_BOUND[OUTSIDE]);
            for (int r = range[0]; r <= range[1]; r++) {
                for (int c = range[2]; c <= range[3]; c++) {
                    int b = (j * bh + r) * bw + c;
                    for (int i = bucketStart[b]; i < bucketStart[b + 1]; i++) {
                        term(row, bucketSlots[i], cy, cx, den);
                    }
                }
            }
        } else {
            for (int s = 0; s < n; s++) {
                bounded |= term(row, s, cy, cx, den);
            }
        }
        double sum = NpMath.sum(low, 0, n, width);
        if (!bounded || NpMath.sum(high, 0, n, width) == sum) {
            return sum;
        }
        for (int s = 0; s < n; s++) {
            if (high[s] > low[s]) {
                double e = exponent(row + s, cy, cx, den);
                low[s] = e >= EXP_UNDERFLOW ? w[row + s] * Math.exp(e) : 0.0;
            }
        }
        return NpMath.sum(low, 0, n, width);
    }

    /** Sets low[s] and high[s] for slot s of the row: the term w exp(e), or 0 and a bound when far (returns whether). */
    private boolean term(int row, int s, double cy, double cx, double den) {
        double e = exponent(row + s, cy, cx, den);
        if (e >= FAR) {
            low[s] = w[row + s] * Math.exp(e);
            high[s] = low[s];
            return false;
        }
        low[s] = 0.0;
        high[s] = e >= EXP_UNDERFLOW ? w[row + s] * EXP_BOUND[(int) -e] : 0.0;
        return true;
    }

    /**
     * Quick bounds on {@link #gaussianMass}, for decisions the bounds mostly settle: Math.exp only where
     * d^2 / den is at most ROUGH (computed as d^2 times 1 / den, a few ulps off), the other terms bounded as in
     * gaussianMass; when the box where the exponent is -ROUGH holds less than half the votes, only its buckets
     * are read, the votes beyond them bounded by the type's largest weight at the buckets' nearest edge. Summed
     * in vote order, then widened by the worst rounding of either sum. Returns the lower bound, leaves the upper
     * in upperMass.
     */
    double massBounds(int j, double cy, double cx, double den) {
        int row = j * cap;
        int n = count[j];
        double perDen = 1.0 / den;
        bucketRange(cy, cx, Math.sqrt(ROUGH * den) * (1 + 1e-6)); // beyond it, d^2 / den > ROUGH despite rounding
        int inBox = 0;
        for (int r = range[0]; r <= range[1]; r++) {
            inBox += bucketStart[(j * bh + r) * bw + range[3] + 1] - bucketStart[(j * bh + r) * bw + range[2]];
        }
        roughNear = 0.0;
        roughFar = 0.0;
        if (2 * inBox < n) {
            for (int r = range[0]; r <= range[1]; r++) {
                for (int c = range[2]; c <= range[3]; c++) {
                    int b = (j * bh + r) * bw + c;
                    for (int i = bucketStart[b]; i < bucketStart[b + 1]; i++) {
                        roughTerm(row + bucketSlots[i], cy, cx, perDen);
                    }
                }
            }
            // votes in other buckets lie beyond the edge of these (the border buckets hold those off the input)
            double edge = Double.POSITIVE_INFINITY;
            edge = range[0] > 0 ? Math.min(edge, cy - range[0] * BUCKET) : edge;
            edge = range[1] < bh - 1 ? Math.min(edge, (range[1] + 1) * BUCKET - cy) : edge;
            edge = range[2] > 0 ? Math.min(edge, cx - range[2] * BUCKET) : edge;
            edge = range[3] < bw - 1 ? Math.min(edge, (range[3] + 1) * BUCKET - cx) : edge;
            roughFar += (n - inBox) * maxW[j] * bound(edge * edge * perDen * (1 - 1e-9));
        } else {
            for (int at = row; at < row + n; at++) {
                roughTerm(at, cy, cx, perDen);
            }
        }
        // q and exp within 1e-14 of the exact term's; each sum of n terms within (n + 2) 2^-52 of its exact value
        double margin = 1e-13 + (n + 2) * 0x1p-51;
        upperMass = (roughNear + roughFar) * (1 + margin);
        return roughNear * (1 - margin);
    }

    /** Adds vote at's term to roughNear, or its bound to roughFar. */
    private void roughTerm(int at, double cy, double cx, double perDen) {
        double q = squaredDistance(at, cy, cx) * perDen;
        if (q <= ROUGH) {
            roughNear += w[at] * Math.exp(-q);
        } else {
            roughFar += w[at] * bound(q);
        }
    }

    /** At least Math.exp(-d^2 / den) for a q within a few ulps of d^2 / den (and 0 where that is below EXP_UNDERFLOW). */
    private static double bound(double q) {
        return q < EXP_BOUND.length ? EXP_BOUND[(int) q] : 0.0;
    }

    private double squaredDistance(int at, double cy, double cx) {
        double dy = y[at] - cy;
        double dx = x[at] - cx;
        return dy * dy + dx * dx;
    }

    private double exponent(int at, double cy, double cx, double den) {
        return -squaredDistance(at, cy, cx) / den;
    }

    /**
     * Writes into {@code out} the ascending slots of type j's votes with |vy - cy| <= half and
     * |vx - cx| <= half; returns how many.
     */
    int inBox(int j, double cy, double cx, double half, int[] out) {
        bucketRange(cy, cx, half);
        int m = 0;
        int row = j * cap;
        for (int r = range[0]; r <= range[1]; r++) {
            for (int c = range[2]; c <= range[3]; c++) {
                int b = (j * bh + r) * bw + c;
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
