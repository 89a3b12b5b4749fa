package org.personlab.mobile.core;

import java.util.Arrays;

/**
 * Keypoint candidates (mobile_decoder.poses.find_candidates) in reusable buffers: votes binned into
 * cells of 2 sigma (one type at a time on a dense cell grid, only occupied cells visited, then cleared:
 * the grid stays in cache), smoothed by a [1 2 1] kernel; a cell beating its 8 neighbours is a peak (at
 * most max_candidates, the densest), moved to the centroid of the votes in its box and scored by the
 * Gaussian vote mass there. Strongest first, clipped to the input.
 */
final class PeakFinder {
    /** The 3 x 3 neighbourhood in raster order: the first CENTRE come before the cell, the rest after. */
    private static final int[][] SHIFTS = {{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 0}, {0, 1}, {1, -1}, {1, 0}, {1, 1}};
    private static final int CENTRE = 4;
    private static final double[] KERNEL = new double[SHIFTS.length];

    static {
        for (int i = 0; i < SHIFTS.length; i++) {
            KERNEL[i] = (2 - Math.abs(SHIFTS[i][0])) * (2 - Math.abs(SHIFTS[i][1])) / 4.0;
        }
    }

    int n; // candidates
    final int[] kind;
    final double[] y;
    final double[] x;

    private final int k;
    private int mh;
    private int mw;
    private double[] mass = new double[0]; // (mh, mw) of one type, 0 where no vote
    private int[] cellIndex = new int[0]; // (mh, mw): index into cells, -1 where no vote
    private final int[] around = new int[SHIFTS.length]; // SHIFTS as key offsets on the (mh, mw) grid
    private final int[] cells; // one type's occupied cells (keys y * mw + x), in vote order
    private final double[] density; // theirs
    private final int[] typePeaks; // one type's peak keys
    private final int[] sortTmp;
    private final int[] sortCounts = new int[Sorting.COUNTS];
    private final int[] peakCell; // every peak, by type then key
    private final int[] peakType;
    private final double[] peakDensity;
    private final int[] peaks; // the peaks refined: indices into peakCell, ascending
    private final int[] peakKind;
    private final double[] peakY;
    private final double[] peakX;
    private final double[] peakScore; // the refined peaks' scores, or lower bounds on them
    private final double[] peakHigh; // and upper bounds (equal when known)
    private final int[] byLow; // scoreOverlapping scratch: the good peaks by lower bound,
    private final double[] highAfter; // the largest upper bound after each
    private final int[] good;
    private final int[] hits;
    private final double[] acc = new double[24]; // NpMath.sparseSums scratch
    private final double[] sums = new double[3 * 32]; // and its results (3 per halving of an int n, and 3)
    private final double[] a;
    private final double[] b;
    private final double[] c;

    PeakFinder(int k, int nodes) {
        this.k = k;
        int votes = k * nodes;
        cells = new int[nodes];
        density = new double[nodes];
        typePeaks = new int[nodes];
        sortTmp = new int[votes];
        peakCell = new int[votes];
        peakType = new int[votes];
        peakDensity = new double[votes];
        peaks = new int[votes];
        peakKind = new int[votes];
        peakY = new double[votes];
        peakX = new double[votes];
        peakScore = new double[votes];
        peakHigh = new double[votes];
        byLow = new int[votes];
        highAfter = new double[votes];
        good = new int[votes];
        kind = new int[votes];
        y = new double[votes];
        x = new double[votes];
        hits = new int[nodes];
        a = new double[nodes];
        b = new double[nodes];
        c = new double[nodes];
    }

    private void grid(int inputH, int inputW, double cell) {
        mh = (int) (inputH / cell) + 3;
        mw = (int) (inputW / cell) + 3;
        if (mass.length != mh * mw) { // first frame, or another vote sigma
            mass = new double[mh * mw];
            cellIndex = new int[mh * mw];
            Arrays.fill(cellIndex, -1);
        }
        for (int s = 0; s < SHIFTS.length; s++) {
            around[s] = SHIFTS[s][0] * mw + SHIFTS[s][1];
        }
    }

    void find(Votes v, int inputH, int inputW, DecoderConfig cfg) {
        double sigma = cfg.voteSigma;
        double cell = 2 * sigma;
        grid(inputH, inputW, cell);
        int p = 0;
        for (int j = 0; j < k; j++) {
            int u = binVotes(v, j, cell);
            for (int i = 0; i < u; i++) {
                int key = cells[i];
                double d = 0.0;
                for (int s = 0; s < SHIFTS.length; s++) {
                    d += KERNEL[s] * mass[key + around[s]];
                }
                density[i] = d;
            }
            int t = 0;
            for (int i = 0; i < u; i++) {
                if (isPeak(i, cfg.peakThreshold)) {
                    typePeaks[t++] = cells[i];
                }
            }
            Sorting.ascending(typePeaks, t, sortTmp, sortCounts);
            for (int i = 0; i < t; i++) {
                peakCell[p] = typePeaks[i];
                peakDensity[p] = density[cellIndex[typePeaks[i]]];
                peakType[p] = j;
                p++;
            }
            for (int i = 0; i < u; i++) {
                mass[cells[i]] = 0.0;
                cellIndex[cells[i]] = -1;
            }
        }
        for (int q = 0; q < p; q++) {
            peaks[q] = q;
        }
        if (p > cfg.maxCandidates) { // bounded work: the densest max_candidates peaks, kept in raster order
            Sorting.descendingStable(peaks, p, peakDensity, sortTmp);
            p = cfg.maxCandidates;
            Sorting.ascending(peaks, p, sortTmp, sortCounts);
        }
        double twoSigma = 2 * sigma;
        double den = 2 * sigma * sigma;
        for (int q = 0; q < p; q++) {
            int key = peakCell[peaks[q]];
            int j = peakType[peaks[q]];
            peakKind[q] = j;
            centroid(v, j, (key / mw - 1) * cell, (key % mw - 1) * cell, twoSigma, cfg.centroidSteps, q);
            peakScore[q] = v.massBounds(j, peakY[q], peakX[q], den);
            peakHigh[q] = v.upperMass;
        }
        int g = 0;
        for (int q = 0; q < p; q++) {
            if (!(peakScore[q] >= cfg.peakThreshold || peakHigh[q] < cfg.peakThreshold)) { // the bounds do not tell
                exactScore(v, q, den);
            }
            if (peakScore[q] >= cfg.peakThreshold) {
                good[g++] = q;
            }
        }
        scoreOverlapping(v, g, den);
        Sorting.descendingStable(good, g, peakScore, sortTmp);
        n = Math.min(g, cfg.maxCandidates);
        for (int i = 0; i < n; i++) {
            int q = good[i];
            kind[i] = peakKind[q];
            y[i] = Heads.clip(peakY[q], 0.0, inputH - 1.0);
            x[i] = Heads.clip(peakX[q], 0.0, inputW - 1.0);
        }
    }

    private void exactScore(Votes v, int q, double den) {
        peakScore[q] = v.gaussianMass(peakKind[q], peakY[q], peakX[q], den);
        peakHigh[q] = peakScore[q];
    }

    /**
     * Computes the scores of the good peaks whose bounds (peakScore..peakHigh) overlap another's. The others' lie
     * wholly above or below every other score, so a bound orders them as their score would. Sorted by lower
     * bound, a peak's is disjoint from those before when its upper bound is below the lower bound before it,
     * and from those after when it is above their largest upper bound.
     */
    private void scoreOverlapping(Votes v, int g, double den) {
        System.arraycopy(good, 0, byLow, 0, g);
        Sorting.descendingStable(byLow, g, peakScore, sortTmp);
        double above = Double.NEGATIVE_INFINITY; // the largest upper bound after the peak
        for (int i = g - 1; i >= 0; i--) {
            highAfter[i] = above;
            above = Math.max(above, peakHigh[byLow[i]]);
        }
        double lowBefore = Double.POSITIVE_INFINITY; // the lower bound before the peak, read before it is computed
        for (int i = 0; i < g; i++) {
            int q = byLow[i];
            boolean alone = peakHigh[q] < lowBefore && highAfter[i] < peakScore[q];
            lowBefore = peakScore[q];
            if (!alone) {
                exactScore(v, q, den);
            }
        }
    }

    /**
     * Sums type j's votes into the mass of their cells (in vote order, as np.bincount); fills cells with
     * the occupied ones and cellIndex with their index. Returns how many.
     */
    private int binVotes(Votes v, int j, double cell) {
        int row = j * v.cap;
        int u = 0;
        for (int s = 0; s < v.count[j]; s++) {
            if (!(v.w[row + s] > 0)) {
                continue;
            }
            long cy = (long) Math.rint(v.y[row + s] / cell);
            long cx = (long) Math.rint(v.x[row + s] / cell);
            if (cy >= 0 && cy < mh - 2 && cx >= 0 && cx < mw - 2) {
                int key = (int) ((cy + 1) * mw + cx + 1);
                if (cellIndex[key] < 0) {
                    cellIndex[key] = u;
                    cells[u++] = key;
                }
                mass[key] += v.w[row + s];
            }
        }
        return u;
    }

    /** Denser than the neighbours before it (row-major) and at least as dense as those after it. */
    private boolean isPeak(int i, double threshold) {
        double d = density[i];
        if (!(d >= 0.5 * threshold)) {
            return false;
        }
        int key = cells[i];
        for (int s = 0; s < SHIFTS.length; s++) {
            int at = cellIndex[key + around[s]];
            double other = at >= 0 ? density[at] : Double.NEGATIVE_INFINITY;
            if (s < CENTRE ? !(d > other) : s > CENTRE && !(d >= other)) {
                return false;
            }
        }
        return true;
    }

    /** The box of half-width 2 sigma re-centred on the centroid of its votes, {@code steps} times. */
    private void centroid(Votes v, int j, double yc, double xc, double half, int steps, int p) {
        int row = j * v.cap;
        for (int step = 0; step < steps; step++) {
            int m = v.inBox(j, yc, xc, half, hits);
            for (int i = 0; i < m; i++) {
                int s = row + hits[i];
                a[i] = v.w[s];
                b[i] = a[i] * (v.y[s] - yc);
                c[i] = a[i] * (v.x[s] - xc);
            }
            NpMath.sparseSums(hits, a, b, c, m, v.width, acc, sums);
            double tot = Math.max(sums[0], 1e-12);
            double ny = yc + sums[1] / tot;
            double nx = xc + sums[2] / tot;
            yc = ny;
            xc = nx;
        }
        peakY[p] = yc;
        peakX[p] = xc;
    }
}
