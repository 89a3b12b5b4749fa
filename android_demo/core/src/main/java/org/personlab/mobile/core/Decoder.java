package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The on-device decoder, an exact port of the Python package mobile_decoder (poses.py, masks.py,
 * __init__.decode): raw outputs + metadata ({@link Heads}) -> people in model-input pixels (strongest
 * first) and per-person instance labels on the mask grid (cell (i, j) at input pixel maskStride * (i, j)).
 * Same order of operations, doubles where NumPy uses float64, floats where it uses float32.
 */
public final class Decoder {
    private Decoder() {
    }

    /** Decoded people and the (maskH, maskW) mask-grid labels (person index, -1 nobody), row-major. */
    public static final class Result {
        public final List<Person> people;
        public final int[] labels;
        public final int maskH;
        public final int maskW;
        public final int maskStride;

        Result(List<Person> people, int[] labels, int maskH, int maskW, int maskStride) {
            this.people = Collections.unmodifiableList(people);
            this.labels = labels;
            this.maskH = maskH;
            this.maskW = maskW;
            this.maskStride = maskStride;
        }
    }

    /** Every voting grid point's vote per keypoint type, padded to (K, V) with zero weight (poses.Votes). */
    static final class Votes {
        final double[][] y;
        final double[][] x;
        final double[][] w;

        Votes(double[][] y, double[][] x, double[][] w) {
            this.y = y;
            this.x = x;
            this.w = w;
        }
    }

    /** Candidates, strongest first: keypoint type and clipped (y, x). */
    static final class Candidates {
        final int[] kind;
        final double[] y;
        final double[] x;

        Candidates(int[] kind, double[] y, double[] x) {
            this.kind = kind;
            this.y = y;
            this.x = x;
        }
    }

    public static Result decode(Heads heads) {
        return decode(heads, DecoderConfig.defaults());
    }

    /** mobile_decoder.decode. */
    public static Result decode(Heads heads, DecoderConfig cfg) {
        Votes v = votes(heads, cfg);
        Candidates c = findCandidates(v, heads.inputH, heads.inputW, cfg);
        List<Person> people = groupPeople(heads, v, c, cfg);
        int cell = cfg.maskStride;
        int mh = (heads.inputH - 1) / cell + 1;
        int mw = (heads.inputW - 1) / cell + 1;
        return new Result(people, instanceLabels(heads, people, cfg), mh, mw, cell);
    }

    // ---------------------------------------------------------------- poses.votes

    static Votes votes(Heads heads, DecoderConfig cfg) {
        int g = heads.gh * heads.gw;
        int k = heads.numKeypoints();
        float[] prob = heads.get("heatmaps").dense(g);
        int[] counts = new int[k];
        for (int n = 0; n < g; n++) {
            for (int j = 0; j < k; j++) {
                if (prob[n * k + j] > cfg.heatmapFloor) {
                    counts[j]++;
                }
            }
        }
        int v = 1;
        for (int c : counts) {
            v = Math.max(v, c);
        }
        double[][] y = new double[k][v];
        double[][] x = new double[k][v];
        double[][] w = new double[k][v];
        int[] slot = new int[k];
        Head shortOffsets = heads.get("short_offsets");
        float area = (float) (Math.PI * (heads.diskRadius * heads.diskRadius));
        float cellArea = (float) (heads.stride * heads.stride);
        for (int n = 0; n < g; n++) {
            for (int j = 0; j < k; j++) {
                float p = prob[n * k + j];
                if (p > cfg.heatmapFloor) {
                    int s = slot[j]++;
                    float offY = shortOffsets.read(n, j);
                    float offX = shortOffsets.read(n, j + k);
                    y[j][s] = (double) ((n / heads.gw) * heads.stride) + (double) offY;
                    x[j][s] = (double) ((n % heads.gw) * heads.stride) + (double) offX;
                    w[j][s] = (double) ((p * cellArea) / area); // float32, as NumPy
                }
            }
        }
        return new Votes(y, x, w);
    }

    // ---------------------------------------------------------------- poses.find_candidates

    private static final int[][] SHIFTS = {{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 0}, {0, 1}, {1, -1}, {1, 0}, {1, 1}};

    static Candidates findCandidates(Votes v, int inputH, int inputW, DecoderConfig cfg) {
        double sigma = cfg.voteSigma;
        double cell = 2 * sigma;
        int mh = (int) (inputH / cell) + 3;
        int mw = (int) (inputW / cell) + 3;
        int k = v.w.length;
        int vmax = v.w[0].length;
        int total = 0;
        for (int j = 0; j < k; j++) {
            for (int s = 0; s < vmax; s++) {
                if (v.w[j][s] > 0) {
                    total++;
                }
            }
        }
        long[] keys = new long[total];
        double[] weights = new double[total];
        int n = 0;
        for (int j = 0; j < k; j++) {
            for (int s = 0; s < vmax; s++) {
                if (!(v.w[j][s] > 0)) {
                    continue;
                }
                long cy = (long) Math.rint(v.y[j][s] / cell);
                long cx = (long) Math.rint(v.x[j][s] / cell);
                if (cy >= 0 && cy < mh - 2 && cx >= 0 && cx < mw - 2) {
                    keys[n] = ((long) j * mh + cy + 1) * mw + cx + 1;
                    weights[n] = v.w[j][s];
                    n++;
                }
            }
        }
        long[] sorted = Arrays.copyOf(keys, n);
        Arrays.sort(sorted);
        int u = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[u++] = sorted[i];
            }
        }
        long[] cells = Arrays.copyOf(sorted, u);
        double[] mass = new double[u];
        for (int i = 0; i < n; i++) {
            mass[Arrays.binarySearch(cells, keys[i])] += weights[i];
        }
        int[][] neighbour = new int[SHIFTS.length][u];
        double[] kernel = new double[SHIFTS.length];
        for (int i = 0; i < SHIFTS.length; i++) {
            int dy = SHIFTS[i][0];
            int dx = SHIFTS[i][1];
            kernel[i] = (2 - Math.abs(dy)) * (2 - Math.abs(dx)) / 4.0;
            for (int c = 0; c < u; c++) {
                int at = Arrays.binarySearch(cells, cells[c] + (long) dy * mw + dx);
                neighbour[i][c] = at >= 0 ? at : -1;
            }
        }
        double[] density = new double[u];
        for (int c = 0; c < u; c++) {
            double d = 0.0;
            for (int i = 0; i < SHIFTS.length; i++) {
                int at = neighbour[i][c];
                d += kernel[i] * (at >= 0 ? mass[at] : 0.0);
            }
            density[c] = d;
        }
        List<Integer> peaks = new ArrayList<>();
        for (int c = 0; c < u; c++) {
            boolean peak = density[c] >= 0.5 * cfg.peakThreshold;
            for (int i = 0; i < SHIFTS.length && peak; i++) {
                int dy = SHIFTS[i][0];
                int dx = SHIFTS[i][1];
                if (dy == 0 && dx == 0) {
                    continue;
                }
                int at = neighbour[i][c];
                double other = at >= 0 ? density[at] : Double.NEGATIVE_INFINITY;
                boolean before = dy < 0 || (dy == 0 && dx < 0); // (dy, dx) < (0, 0)
                peak = before ? density[c] > other : density[c] >= other;
            }
            if (peak) {
                peaks.add(c);
            }
        }
        int p = peaks.size();
        int[] pk = new int[p];
        double[] py = new double[p];
        double[] px = new double[p];
        final double[] score = new double[p];
        double[] wv = new double[vmax];
        double[] wdy = new double[vmax];
        double[] wdx = new double[vmax];
        double[] terms = new double[vmax];
        double twoSigma = 2 * sigma;
        for (int q = 0; q < p; q++) {
            long key = cells[peaks.get(q)];
            int j = (int) (key / ((long) mh * mw));
            long cy = (key / mw) % mh - 1;
            long cx = key % mw - 1;
            double yc = cy * cell;
            double xc = cx * cell;
            double[] vy = v.y[j];
            double[] vx = v.x[j];
            double[] vw = v.w[j];
            for (int step = 0; step < cfg.centroidSteps; step++) { // the box re-centred on the centroid
                for (int s = 0; s < vmax; s++) {
                    double dy = vy[s] - yc;
                    double dx = vx[s] - xc;
                    boolean box = Math.abs(dy) <= twoSigma && Math.abs(dx) <= twoSigma;
                    wv[s] = box ? vw[s] : 0.0 * vw[s];
                    wdy[s] = wv[s] * dy;
                    wdx[s] = wv[s] * dx;
                }
                double tot = Math.max(NpMath.sum(wv, 0, vmax), 1e-12);
                double ny = yc + NpMath.sum(wdy, 0, vmax) / tot;
                double nx = xc + NpMath.sum(wdx, 0, vmax) / tot;
                yc = ny;
                xc = nx;
            }
            for (int s = 0; s < vmax; s++) {
                double d2 = (vy[s] - yc) * (vy[s] - yc) + (vx[s] - xc) * (vx[s] - xc);
                terms[s] = vw[s] * Math.exp(-d2 / (2 * sigma * sigma));
            }
            pk[q] = j;
            py[q] = yc;
            px[q] = xc;
            score[q] = NpMath.sum(terms, 0, vmax);
        }
        List<Integer> good = new ArrayList<>();
        for (int q = 0; q < p; q++) {
            if (score[q] >= cfg.peakThreshold) {
                good.add(q);
            }
        }
        // np.argsort(-score, kind="stable"): descending, ties keep their order (List.sort is a stable merge sort)
        good.sort((a, b) -> Double.compare(-score[a], -score[b]));
        int m = Math.min(good.size(), cfg.maxCandidates);
        int[] kind = new int[m];
        double[] y = new double[m];
        double[] x = new double[m];
        for (int i = 0; i < m; i++) {
            int q = good.get(i);
            kind[i] = pk[q];
            y[i] = Heads.clip(py[q], 0.0, inputH - 1.0);
            x[i] = Heads.clip(px[q], 0.0, inputW - 1.0);
        }
        return new Candidates(kind, y, x);
    }

    // ---------------------------------------------------------------- poses.tree_table / walk_tree

    /** (K, K-1, 3) breadth-first (directed edge, source, target) steps of the tree from each root. */
    static int[][][] treeTable(int[][] edges, int k) {
        int[][][] table = new int[k][][];
        for (int root = 0; root < k; root++) {
            List<int[]> steps = new ArrayList<>();
            boolean[] seen = new boolean[k];
            seen[root] = true;
            List<Integer> queue = new ArrayList<>();
            queue.add(root);
            for (int qi = 0; qi < queue.size(); qi++) {
                int source = queue.get(qi);
                for (int d = 0; d < edges.length; d++) {
                    int a = edges[d][0];
                    int b = edges[d][1];
                    if (a == source && !seen[b]) {
                        steps.add(new int[] {d, a, b});
                        seen[b] = true;
                        queue.add(b);
                    }
                }
            }
            if (steps.size() != k - 1) {
                throw new MetadataException("directed_edges do not reach every keypoint from keypoint " + root);
            }
            table[root] = steps.toArray(new int[0][]);
        }
        return table;
    }

    /** One person grown from a seed along the tree: mid offsets, then short-offset refinement. Returns {y[], x[]}. */
    static double[][] walkTree(Heads heads, int[][] steps, int root, double rootY, double rootX, DecoderConfig cfg) {
        int k = heads.numKeypoints();
        double h = heads.inputH - 1.0;
        double w = heads.inputW - 1.0;
        double[] y = new double[k];
        double[] x = new double[k];
        y[root] = rootY;
        x[root] = rootX;
        double[] off = new double[2];
        for (int[] step : steps) {
            int edge = step[0];
            int source = step[1];
            int target = step[2];
            double sy = y[source];
            double sx = x[source];
            heads.scalarOffsets("mid_offsets", sy, sx, edge, off);
            double ty = Math.min(Math.max(sy + off[0], 0.0), h);
            double tx = Math.min(Math.max(sx + off[1], 0.0), w);
            for (int r = 0; r < cfg.refineSteps; r++) {
                heads.scalarOffsets("short_offsets", ty, tx, target, off);
                ty = Math.min(Math.max(ty + off[0], 0.0), h);
                tx = Math.min(Math.max(tx + off[1], 0.0), w);
            }
            y[target] = ty;
            x[target] = tx;
        }
        return new double[][] {y, x};
    }

    // ---------------------------------------------------------------- poses.person_scale / keypoint_scores

    static double personScale(double[] y, double[] x, boolean[] use, double minScale) {
        int used = 0;
        for (boolean b : use) {
            used += b ? 1 : 0;
        }
        boolean all = used < 2;
        double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < y.length; j++) {
            if (all || use[j]) {
                y0 = Math.min(y0, y[j]);
                y1 = Math.max(y1, y[j]);
                x0 = Math.min(x0, x[j]);
                x1 = Math.max(x1, x[j]);
            }
        }
        return Math.max(Math.sqrt((y1 - y0) * (x1 - x0)), minScale);
    }

    static double[] keypointScores(Heads heads, Votes v, double[] y, double[] x, double scale) {
        int k = heads.numKeypoints();
        int vmax = v.w[0].length;
        double[] terms = new double[vmax];
        double[] out = new double[k];
        for (int j = 0; j < k; j++) {
            double sigma = 2.0 * heads.sigmas[j] * scale;
            double den = 2 * (sigma * sigma);
            double[] vy = v.y[j];
            double[] vx = v.x[j];
            double[] vw = v.w[j];
            for (int s = 0; s < vmax; s++) {
                if (vw[s] == 0.0) { // padding (types have fewer votes than the widest): skip the exp
                    terms[s] = 0.0;
                    continue;
                }
                double d2 = (vy[s] - y[j]) * (vy[s] - y[j]) + (vx[s] - x[j]) * (vx[s] - x[j]);
                terms[s] = vw[s] * Math.exp(-d2 / den);
            }
            out[j] = Heads.clip(NpMath.sum(terms, 0, vmax), 0.0, 1.0);
        }
        return out;
    }

    // ---------------------------------------------------------------- poses.long_range_predictions

    /**
     * (N, K) keypoints predicted from N points by the long-range offsets (segmentation-weighted bilinear of the
     * absolute targets, plain bilinear away from people), clamped, refined by short offsets. Returns {y[N][K], x[N][K]}.
     */
    static double[][][] longRangePredictions(Heads heads, double[] py, double[] px, int refineSteps) {
        int k = heads.numKeypoints();
        int n = py.length;
        int gw = heads.gw;
        double stride = heads.stride;
        Head longOffsets = heads.get("long_offsets");
        Head segmentation = heads.get("segmentation");
        double[][] outY = new double[n][k];
        double[][] outX = new double[n][k];
        int[] nodes = new int[4];
        double[] cw = new double[4];
        double[] nodeY = new double[4];
        double[] nodeX = new double[4];
        double[] wt = new double[4];
        double[] off = new double[2];
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
            for (int j = 0; j < k; j++) {
                double sy = 0.0;
                double sx = 0.0;
                for (int c = 0; c < 4; c++) {
                    sy += wt[c] * (nodeY[c] + (double) longOffsets.read(nodes[c], j));
                    sx += wt[c] * (nodeX[c] + (double) longOffsets.read(nodes[c], j + k));
                }
                outY[i][j] = heads.clampY(sy);
                outX[i][j] = heads.clampX(sx);
            }
            for (int r = 0; r < refineSteps; r++) {
                for (int j = 0; j < k; j++) {
                    heads.offsets("short_offsets", outY[i][j], outX[i][j], j, nodes, cw, off);
                    outY[i][j] = heads.clampY(outY[i][j] + off[0]);
                    outX[i][j] = heads.clampX(outX[i][j] + off[1]);
                }
            }
        }
        return new double[][][] {outY, outX};
    }

    // ---------------------------------------------------------------- poses.recover_keypoints

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double[][] recoverKeypoints(Heads heads, Votes v, double[] y, double[] x, double[] scores, double scale,
            DecoderConfig cfg) {
        int k = scores.length;
        int anchors = 0;
        for (double s : scores) {
            anchors += s > cfg.keypointFloor ? 1 : 0;
        }
        if (anchors == 0 || anchors == k) {
            return new double[][] {y, x};
        }
        double[] ay = new double[anchors];
        double[] ax = new double[anchors];
        for (int j = 0, a = 0; j < k; j++) {
            if (scores[j] > cfg.keypointFloor) {
                ay[a] = y[j];
                ax[a] = x[j];
                a++;
            }
        }
        double[][][] pred = longRangePredictions(heads, ay, ax, cfg.refineSteps);
        double[] gy = new double[k];
        double[] gx = new double[k];
        double[] col = new double[anchors];
        for (int j = 0; j < k; j++) {
            for (int a = 0; a < anchors; a++) {
                col[a] = pred[0][a][j];
            }
            gy[j] = median(col);
            for (int a = 0; a < anchors; a++) {
                col[a] = pred[1][a][j];
            }
            gx[j] = median(col);
        }
        double[] guessScores = keypointScores(heads, v, gy, gx, scale);
        double[] ny = y.clone();
        double[] nx = x.clone();
        for (int j = 0; j < k; j++) {
            if (!(scores[j] > cfg.keypointFloor) && guessScores[j] > scores[j]) {
                ny[j] = gy[j];
                nx[j] = gx[j];
            }
        }
        return new double[][] {ny, nx};
    }

    // ---------------------------------------------------------------- poses.group_people

    static List<Person> groupPeople(Heads heads, Votes v, Candidates cand, DecoderConfig cfg) {
        int k = heads.numKeypoints();
        int[][][] table = treeTable(heads.directedEdges, k);
        int n = cand.kind.length;
        boolean[] suppressed = new boolean[n];
        List<Person> people = new ArrayList<>();
        List<boolean[]> claimed = new ArrayList<>();
        double r2 = cfg.nmsRadius * cfg.nmsRadius;
        boolean[] all = new boolean[k];
        Arrays.fill(all, true);
        boolean[] confident = new boolean[k];
        for (int i = 0; i < n; i++) {
            if (people.size() >= cfg.maxPeople) {
                break;
            }
            if (suppressed[i]) {
                continue;
            }
            double[][] pos = walkTree(heads, table[cand.kind[i]], cand.kind[i], cand.y[i], cand.x[i], cfg);
            double scale = personScale(pos[0], pos[1], all, cfg.minScale);
            double[] scores = keypointScores(heads, v, pos[0], pos[1], scale);
            if (cfg.longRangeRecovery && heads.hasMasks()) {
                pos = recoverKeypoints(heads, v, pos[0], pos[1], scores, scale, cfg);
                scores = keypointScores(heads, v, pos[0], pos[1], scale);
            }
            for (int j = 0; j < k; j++) {
                confident[j] = scores[j] > cfg.keypointFloor;
            }
            scale = personScale(pos[0], pos[1], confident, cfg.minScale);
            scores = keypointScores(heads, v, pos[0], pos[1], scale);
            boolean[] near = new boolean[k];
            for (int q = 0; q < people.size(); q++) {
                Person other = people.get(q);
                boolean[] mine = claimed.get(q);
                for (int j = 0; j < k; j++) {
                    double dy = other.y[j] - pos[0][j];
                    double dx = other.x[j] - pos[1][j];
                    if (mine[j] && dy * dy + dx * dx <= r2) {
                        near[j] = true;
                    }
                }
            }
            for (int j = 0; j < k; j++) {
                if (near[j]) {
                    scores[j] = 0.0;
                }
            }
            Person person = new Person(pos[0], pos[1], scores, scale);
            if (person.score < cfg.minPersonScore) {
                continue;
            }
            people.add(person);
            boolean[] mine = new boolean[k];
            for (int j = 0; j < k; j++) {
                mine[j] = scores[j] > 0;
            }
            claimed.add(mine);
            for (int c = 0; c < n; c++) {
                int j = cand.kind[c];
                double dy = cand.y[c] - pos[0][j];
                double dx = cand.x[c] - pos[1][j];
                if (dy * dy + dx * dx <= r2 && scores[j] > 0) {
                    suppressed[c] = true;
                }
            }
        }
        return people;
    }

    // ---------------------------------------------------------------- masks

    /** masks.interpolation_matrix, sparse: per output point {lo, hi} nodes and their weights. */
    static final class Interp {
        final int[] lo;
        final int[] hi;
        final double[] wlo;
        final double[] whi;

        Interp(int nOut, int cell, int stride, int nGrid) {
            lo = new int[nOut];
            hi = new int[nOut];
            wlo = new double[nOut];
            whi = new double[nOut];
            for (int i = 0; i < nOut; i++) {
                double g = Heads.clip((double) (i * cell) / stride, 0.0, nGrid - 1);
                int l = Math.min((int) g, Math.max(nGrid - 2, 0));
                int h = Math.min(l + 1, nGrid - 1);
                lo[i] = l;
                hi[i] = h;
                if (l == h) {
                    wlo[i] = (1 - (g - l)) + (g - l);
                    whi[i] = 0.0;
                } else {
                    wlo[i] = 1 - (g - l);
                    whi[i] = g - l;
                }
            }
        }
    }

    /** masks.instance_labels: (mh, mw) row-major person index (or -1) on the mask grid. */
    static int[] instanceLabels(Heads heads, List<Person> people, DecoderConfig cfg) {
        int cell = cfg.maskStride;
        int mh = (heads.inputH - 1) / cell + 1;
        int mw = (heads.inputW - 1) / cell + 1;
        int gh = heads.gh;
        int gw = heads.gw;
        int[] labels = new int[mh * mw];
        Arrays.fill(labels, -1);
        List<Integer> takerList = new ArrayList<>();
        for (int j = 0; j < people.size(); j++) {
            Person p = people.get(j);
            boolean any = false;
            for (double s : p.scores) {
                any |= s > cfg.keypointFloor;
            }
            if (p.score >= cfg.maskMinScore && any) {
                takerList.add(j);
            }
        }
        if (takerList.isEmpty() || !heads.hasMasks()) {
            return labels;
        }
        float[] seg = heads.get("segmentation").dense(gh * gw);
        Interp ay = new Interp(mh, cell, heads.stride, gh);
        Interp ax = new Interp(mw, cell, heads.stride, gw);
        // on_mask = Ay @ seg @ Ax.T, pixels above the threshold in row-major order
        double[] rowTmp = new double[gw];
        int[] pixRow = new int[mh * mw];
        int[] pixCol = new int[mh * mw];
        int np = 0;
        for (int i = 0; i < mh; i++) {
            for (int b = 0; b < gw; b++) {
                rowTmp[b] = ay.wlo[i] * seg[ay.lo[i] * gw + b] + ay.whi[i] * seg[ay.hi[i] * gw + b];
            }
            for (int j = 0; j < mw; j++) {
                double on = rowTmp[ax.lo[j]] * ax.wlo[j] + rowTmp[ax.hi[j]] * ax.whi[j];
                if (on > cfg.segThreshold) {
                    pixRow[np] = i;
                    pixCol[np] = j;
                    np++;
                }
            }
        }
        if (np == 0) {
            return labels;
        }
        int[] nodes = new int[np * 4];
        double[] cw = new double[np * 4];
        boolean[] used = new boolean[gh * gw];
        for (int q = 0; q < np; q++) {
            heads.corners(pixRow[q] * (double) cell, pixCol[q] * (double) cell, nodes, cw, 4 * q);
            for (int c = 0; c < 4; c++) {
                used[nodes[4 * q + c]] = true;
            }
        }
        int[] index = new int[gh * gw];
        int u = 0;
        for (int g = 0; g < gh * gw; g++) {
            index[g] = used[g] ? u++ : -1;
        }
        double[] nodeY = new double[u];
        double[] nodeX = new double[u];
        for (int g = 0; g < gh * gw; g++) {
            if (used[g]) {
                nodeY[index[g]] = (g / gw) * (double) heads.stride;
                nodeX[index[g]] = (g % gw) * (double) heads.stride;
            }
        }
        double[][][] pred = longRangePredictions(heads, nodeY, nodeX, cfg.maskRefineSteps);
        int t = takerList.size();
        int k = heads.numKeypoints();
        double[][] dist = new double[u][t];
        double[] hyp = new double[k];
        for (int col = 0; col < t; col++) {
            Person p = people.get(takerList.get(col));
            for (int a = 0; a < u; a++) {
                int m = 0;
                for (int j = 0; j < k; j++) {
                    if (p.scores[j] > cfg.keypointFloor) {
                        hyp[m++] = Math.hypot(pred[0][a][j] - p.y[j], pred[1][a][j] - p.x[j]);
                    }
                }
                dist[a][col] = NpMath.sum(hyp, 0, m) / m / p.scale;
            }
        }
        double[] w = new double[4];
        double[] pixelDist = new double[t];
        for (int q = 0; q < np; q++) {
            double den = 0.0;
            for (int c = 0; c < 4; c++) {
                w[c] = (double) seg[nodes[4 * q + c]] * cw[4 * q + c];
                den += w[c];
            }
            for (int c = 0; c < 4; c++) {
                w[c] = den > 1e-3 ? w[c] / Math.max(den, 1e-3) : cw[4 * q + c];
            }
            for (int col = 0; col < t; col++) {
                double d = 0.0;
                for (int c = 0; c < 4; c++) {
                    d += w[c] * dist[index[nodes[4 * q + c]]][col];
                }
                pixelDist[col] = d;
            }
            int best = 0;
            for (int col = 1; col < t; col++) {
                if (pixelDist[col] < pixelDist[best]) {
                    best = col;
                }
            }
            if (pixelDist[best] <= cfg.maskDistance) {
                labels[pixRow[q] * mw + pixCol[q]] = takerList.get(best);
            }
        }
        return labels;
    }
}
