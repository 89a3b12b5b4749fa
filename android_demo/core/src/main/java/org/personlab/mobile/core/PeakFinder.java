package org.personlab.mobile.core;

import java.util.Arrays;

/**
 * Keypoint candidates (mobile_decoder.poses.find_candidates) in reusable buffers: votes binned into
 * cells of 2 sigma (a dense cell grid per type, only occupied cells visited), smoothed by a [1 2 1]
 * kernel; a cell beating its 8 neighbours is a peak (at most max_candidates, the densest), moved to the
 * centroid of the votes in its box and scored by the Gaussian vote mass there. Strongest first, clipped to
 * the input.
 */
final class PeakFinder {
    private static final int[][] SHIFTS = {{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 0}, {0, 1}, {1, -1}, {1, 0}, {1, 1}};
    private static final double[] KERNEL = new double[SHIFTS.length];
    /** Math.exp(x) is exactly 0 below about -745.13: votes further out add exact zeros and are skipped. */
    static final double EXP_UNDERFLOW = -746.0;

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
    private double[] mass = new double[0]; // (K, mh, mw), valid where stamp == epoch
    private int[] cellIndex = new int[0];
    private int[] stamp = new int[0];
    private int epoch;
    private final int[] cells; // occupied cell keys, then sorted
    private final int[] sortTmp;
    private final int[] sortCounts = new int[Sorting.COUNTS];
    private final double[] density;
    private final int[] peakCells; // indices into cells
    private final int[] peakKind;
    private final double[] peakY;
    private final double[] peakX;
    private final double[] peakScore;
    private final int[] good;
    private final int[] hits;
    private final double[] acc = new double[8]; // NpMath.sparseSum scratch
    private final double[] a;
    private final double[] b;
    private final double[] c;

    PeakFinder(int k, int nodes) {
        this.k = k;
        int votes = k * nodes;
        cells = new int[votes];
        sortTmp = new int[votes];
        density = new double[votes];
        peakCells = new int[votes];
        peakKind = new int[votes];
        peakY = new double[votes];
        peakX = new double[votes];
        peakScore = new double[votes];
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
        if (mass.length != k * mh * mw) { // first frame, or another vote sigma
            mass = new double[k * mh * mw];
            cellIndex = new int[k * mh * mw];
            stamp = new int[k * mh * mw];
            epoch = 0;
        }
        epoch++;
    }

    void find(Votes v, int inputH, int inputW, DecoderConfig cfg) {
        double sigma = cfg.voteSigma;
        double cell = 2 * sigma;
        grid(inputH, inputW, cell);
        int u = 0;
        for (int j = 0; j < k; j++) {
            int row = j * v.cap;
            for (int s = 0; s < v.count[j]; s++) {
                if (!(v.w[row + s] > 0)) {
                    continue;
                }
                long cy = (long) Math.rint(v.y[row + s] / cell);
                long cx = (long) Math.rint(v.x[row + s] / cell);
                if (cy >= 0 && cy < mh - 2 && cx >= 0 && cx < mw - 2) {
                    int key = (int) (((long) j * mh + cy + 1) * mw + cx + 1);
                    if (stamp[key] != epoch) {
                        stamp[key] = epoch;
                        mass[key] = 0.0;
                        cells[u++] = key;
                    }
                    mass[key] += v.w[row + s];
                }
            }
        }
        Sorting.ascending(cells, u, sortTmp, sortCounts);
        for (int i = 0; i < u; i++) {
            int key = cells[i];
            cellIndex[key] = i;
            double d = 0.0;
            for (int s = 0; s < SHIFTS.length; s++) {
                int at = key + SHIFTS[s][0] * mw + SHIFTS[s][1];
                d += KERNEL[s] * (stamp[at] == epoch ? mass[at] : 0.0);
            }
            density[i] = d;
        }
        int p = 0;
        for (int i = 0; i < u; i++) {
            if (isPeak(i, cfg.peakThreshold)) {
                peakCells[p++] = i;
            }
        }
        if (p > cfg.maxCandidates) { // bounded work: the densest max_candidates peaks, kept in raster order
            Sorting.descendingStable(peakCells, p, density, sortTmp);
            p = cfg.maxCandidates;
            Sorting.ascending(peakCells, p, sortTmp, sortCounts);
        }
        double twoSigma = 2 * sigma;
        for (int q = 0; q < p; q++) {
            int key = cells[peakCells[q]];
            int j = key / (mh * mw);
            peakKind[q] = j;
            centroid(v, j, ((key / mw) % mh - 1) * cell, (key % mw - 1) * cell, twoSigma, cfg.centroidSteps, q);
            peakScore[q] = mass(v, j, peakY[q], peakX[q], sigma);
        }
        int g = 0;
        for (int q = 0; q < p; q++) {
            if (peakScore[q] >= cfg.peakThreshold) {
                good[g++] = q;
            }
        }
        Sorting.descendingStable(good, g, peakScore, sortTmp);
        n = Math.min(g, cfg.maxCandidates);
        for (int i = 0; i < n; i++) {
            int q = good[i];
            kind[i] = peakKind[q];
            y[i] = Heads.clip(peakY[q], 0.0, inputH - 1.0);
            x[i] = Heads.clip(peakX[q], 0.0, inputW - 1.0);
        }
    }

    /** Denser than the neighbours before it (row-major) and at least as dense as those after it. */
    private boolean isPeak(int i, double threshold) {
        double d = density[i];
        if (!(d >= 0.5 * threshold)) {
            return false;
        }
        int key = cells[i];
        for (int s = 0; s < SHIFTS.length; s++) {
            int dy = SHIFTS[s][0];
            int dx = SHIFTS[s][1];
            if (dy == 0 && dx == 0) {
                continue;
            }
            int at = key + dy * mw + dx;
            double other = stamp[at] == epoch ? density[cellIndex[at]] : Double.NEGATIVE_INFINITY;
            boolean before = dy < 0 || (dy == 0 && dx < 0);
            if (before ? !(d > other) : !(d >= other)) {
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
            double tot = Math.max(NpMath.sparseSum(hits, a, m, v.width, acc), 1e-12);
            double ny = yc + NpMath.sparseSum(hits, b, m, v.width, acc) / tot;
            double nx = xc + NpMath.sparseSum(hits, c, m, v.width, acc) / tot;
            yc = ny;
            xc = nx;
        }
        peakY[p] = yc;
        peakX[p] = xc;
    }

    /** Gaussian vote mass of type j at (yc, xc). */
    private double mass(Votes v, int j, double yc, double xc, double sigma) {
        int row = j * v.cap;
        int m = 0;
        for (int s = 0; s < v.count[j]; s++) {
            double dy = v.y[row + s] - yc;
            double dx = v.x[row + s] - xc;
            double e = -(dy * dy + dx * dx) / (2 * sigma * sigma);
            if (e >= EXP_UNDERFLOW) {
                hits[m] = s;
                a[m] = v.w[row + s] * Math.exp(e);
                m++;
            }
        }
        return NpMath.sparseSum(hits, a, m, v.width, acc);
    }
}
