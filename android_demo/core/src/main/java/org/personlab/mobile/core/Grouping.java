package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy grouping (mobile_decoder.poses.group_people) in reusable buffers: the strongest candidate not
 * near a claimed keypoint of its type seeds the next person, grown along the tree (mid offsets, then
 * short-offset refinement), scored by expected OKS, weak keypoints recovered from the long-range
 * offsets, then non-maximum suppression of the remaining candidates.
 */
final class Grouping {
    private final int k;
    private final int[][][] table;
    private final List<Person> pool = new ArrayList<>();
    final List<Person> people = new ArrayList<>();
    private boolean[] claimed = new boolean[0]; // (people, K)
    private boolean[] suppressed = new boolean[0];
    private final double[] py;
    private final double[] px;
    private final double[] scores; // the keypoints' scores, or lower bounds on them
    private final double[] scoreHigh; // and upper bounds (equal when known)
    private final boolean[] all;
    private final boolean[] confident;
    private final boolean[] near;
    private final boolean[] weak; // the keypoints to (re)score
    private final double[] off = new double[2];
    // recovery
    private final double[] anchorY;
    private final double[] anchorX;
    private final double[] predY; // (anchors, K)
    private final double[] predX;
    private final double[] guessY;
    private final double[] guessX;
    private final double[] guessScores;
    private final double[] guessHigh;
    private final boolean[] single; // exactScore's keypoint
    private final boolean[] bounding; // the keypoints at the ends of the person's box
    private final double[] column;
    private final LongRange longRange;

    Grouping(int k, int[][] directedEdges, LongRange longRange) {
        this.k = k;
        this.table = treeTable(directedEdges, k);
        this.longRange = longRange;
        py = new double[k];
        px = new double[k];
        scores = new double[k];
        scoreHigh = new double[k];
        all = new boolean[k];
        Arrays.fill(all, true);
        confident = new boolean[k];
        near = new boolean[k];
        weak = new boolean[k];
        anchorY = new double[k];
        anchorX = new double[k];
        predY = new double[k * k];
        predX = new double[k * k];
        guessY = new double[k];
        guessX = new double[k];
        guessScores = new double[k];
        guessHigh = new double[k];
        single = new boolean[k];
        bounding = new boolean[k];
        column = new double[k];
    }

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

    private Person person(int index) {
        while (pool.size() <= index) { // warm-up, or a larger max_people
            pool.add(new Person(k));
        }
        return pool.get(index);
    }

    void group(Heads heads, Votes v, PeakFinder cand, DecoderConfig cfg) {
        people.clear();
        int n = cand.n;
        if (suppressed.length < n) {
            suppressed = new boolean[n];
        }
        Arrays.fill(suppressed, 0, n, false);
        if (claimed.length < cfg.maxPeople * k) {
            claimed = new boolean[cfg.maxPeople * k];
        }
        double r2 = cfg.nmsRadius * cfg.nmsRadius;
        for (int i = 0; i < n && people.size() < cfg.maxPeople; i++) {
            if (suppressed[i]) {
                continue;
            }
            walkTree(heads, cand.kind[i], cand.y[i], cand.x[i], cfg.refineSteps);
            double scale = personScale(py, px, all, cfg.minScale);
            boolean rough = newScaleLikely(heads, v, scale, cfg);
            for (int j = 0; j < k; j++) {
                weak[j] = !bounding[j];
            }
            keypointScores(heads, v, py, px, scale, weak, rough, scores, scoreHigh);
            if (cfg.longRangeRecovery && heads.hasMasks()) {
                recoverKeypoints(heads, v, scale, rough, cfg); // rescores the keypoints it moves
            }
            for (int j = 0; j < k; j++) {
                confident[j] = above(heads, v, j, py, px, scale, scores, scoreHigh, cfg.keypointFloor);
            }
            double confidentScale = personScale(py, px, confident, cfg.minScale);
            if (confidentScale != scale) {
                scale = confidentScale;
                Arrays.fill(weak, true);
                keypointScores(heads, v, py, px, scale, weak, false, scores, scoreHigh);
            } else { // the same positions and scale give the same scores: the bounded ones computed
                for (int j = 0; j < k; j++) {
                    weak[j] = scores[j] != scoreHigh[j];
                }
                keypointScores(heads, v, py, px, scale, weak, false, scores, scoreHigh);
            }
            Arrays.fill(near, false);
            for (int q = 0; q < people.size(); q++) {
                Person other = people.get(q);
                for (int j = 0; j < k; j++) {
                    double dy = other.y[j] - py[j];
                    double dx = other.x[j] - px[j];
                    if (claimed[q * k + j] && dy * dy + dx * dx <= r2) {
                        near[j] = true;
                    }
                }
            }
            for (int j = 0; j < k; j++) {
                if (near[j]) {
                    scores[j] = 0.0;
                }
            }
            Person person = person(people.size());
            person.set(py, px, scores, scale);
            if (person.score < cfg.minPersonScore) {
                continue;
            }
            int q = people.size();
            people.add(person);
            for (int j = 0; j < k; j++) {
                claimed[q * k + j] = scores[j] > 0;
            }
            for (int c = 0; c < n; c++) {
                int j = cand.kind[c];
                double dy = cand.y[c] - py[j];
                double dx = cand.x[c] - px[j];
                if (dy * dy + dx * dx <= r2 && scores[j] > 0) {
                    suppressed[c] = true;
                }
            }
        }
    }

    /** One person grown from a seed along the tree into (py, px). */
    private void walkTree(Heads heads, int root, double rootY, double rootX, int refineSteps) {
        double h = heads.inputH - 1.0;
        double w = heads.inputW - 1.0;
        py[root] = rootY;
        px[root] = rootX;
        for (int[] step : table[root]) {
            int source = step[1];
            int target = step[2];
            double sy = py[source];
            double sx = px[source];
            heads.scalarOffsets(heads.midOffsets, sy, sx, step[0], off);
            double ty = Math.min(Math.max(sy + off[0], 0.0), h);
            double tx = Math.min(Math.max(sx + off[1], 0.0), w);
            for (int r = 0; r < refineSteps; r++) {
                heads.scalarOffsets(heads.shortOffsets, ty, tx, target, off);
                ty = Math.min(Math.max(ty + off[0], 0.0), h);
                tx = Math.min(Math.max(tx + off[1], 0.0), w);
            }
            py[target] = ty;
            px[target] = tx;
        }
    }

    /** poses.person_scale: sqrt of the box area of the used keypoints (all when fewer than 2), at least minScale. */
    static double personScale(double[] y, double[] x, boolean[] use, double minScale) {
        int used = 0;
        for (boolean b : use) {
            used += b ? 1 : 0;
        }
        boolean every = used < 2;
        double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < y.length; j++) {
            if (every || use[j]) {
                y0 = Math.min(y0, y[j]);
                y1 = Math.max(y1, y[j]);
                x0 = Math.min(x0, x[j]);
                x1 = Math.max(x1, x[j]);
            }
        }
        return Math.max(Math.sqrt((y1 - y0) * (x1 - x0)), minScale);
    }

    /**
     * poses.keypoint_scores for the keypoints j with which[j]: the Gaussian vote mass at (y, x), sigma
     * 2 * oks_sigma * scale, clipped to [0, 1], into low[j] = high[j]. Rough: only bounds, low[j] <= score <= high[j],
     * from Votes.massBounds.
     */
    private void keypointScores(Heads heads, Votes v, double[] y, double[] x, double scale, boolean[] which, boolean rough,
            double[] low, double[] high) {
        for (int j = 0; j < k; j++) {
            if (!which[j]) {
                continue;
            }
            double sigma = 2.0 * heads.sigmas[j] * scale;
            double den = 2 * (sigma * sigma);
            if (rough) {
                low[j] = Heads.clip(v.massBounds(j, y[j], x[j], den), 0.0, 1.0);
                high[j] = Heads.clip(v.upperMass, 0.0, 1.0);
            } else {
                low[j] = Heads.clip(v.gaussianMass(j, y[j], x[j], den), 0.0, 1.0);
                high[j] = low[j];
            }
        }
    }

    /** Keypoint j's score (within low[j]..high[j]) at (y[j], x[j]) and this scale, computed if need be. */
    private void exactScore(Heads heads, Votes v, int j, double[] y, double[] x, double scale, double[] low, double[] high) {
        Arrays.fill(single, false);
        single[j] = true;
        keypointScores(heads, v, y, x, scale, single, false, low, high);
    }

    /** Whether keypoint j's score (low[j]..high[j], at (y[j], x[j]) and this scale) is above floor. */
    private boolean above(Heads heads, Votes v, int j, double[] y, double[] x, double scale, double[] low, double[] high,
            double floor) {
        if (!(low[j] == high[j] || low[j] > floor || high[j] <= floor)) { // the bounds do not tell
            exactScore(heads, v, j, y, x, scale, low, high);
        }
        return low[j] > floor;
    }

    /**
     * Scores the keypoints at the ends of the person's box (marked in bounding) exactly; returns whether one is
     * weak. The confident keypoints' scale then likely differs from this one, so the scores at this scale only
     * decide which keypoints are confident and which recovered, and bounds mostly suffice. At the smallest scale
     * the scale likely stays.
     */
    private boolean newScaleLikely(Heads heads, Votes v, double scale, DecoderConfig cfg) {
        Arrays.fill(bounding, false);
        int top = 0;
        int bottom = 0;
        int left = 0;
        int right = 0;
        for (int j = 1; j < k; j++) {
            top = py[j] < py[top] ? j : top;
            bottom = py[j] > py[bottom] ? j : bottom;
            left = px[j] < px[left] ? j : left;
            right = px[j] > px[right] ? j : right;
        }
        bounding[top] = true;
        bounding[bottom] = true;
        bounding[left] = true;
        bounding[right] = true;
        keypointScores(heads, v, py, px, scale, bounding, false, scores, scoreHigh);
        boolean likely = false;
        for (int j = 0; j < k; j++) {
            likely |= bounding[j] && !(scores[j] > cfg.keypointFloor);
        }
        return likely && scale > cfg.minScale;
    }

    /**
     * poses.recover_keypoints: weak keypoints move to the median long-range prediction of the confident
     * ones if they score better there, and take that score (the one a rescoring at the same scale gives).
     * Rough: the scores are bounds (see {@link #keypointScores}).
     */
    private void recoverKeypoints(Heads heads, Votes v, double scale, boolean rough, DecoderConfig cfg) {
        int anchors = 0;
        for (int j = 0; j < k; j++) {
            weak[j] = !above(heads, v, j, py, px, scale, scores, scoreHigh, cfg.keypointFloor);
            if (!weak[j]) {
                anchorY[anchors] = py[j];
                anchorX[anchors] = px[j];
                anchors++;
            }
        }
        if (anchors == 0 || anchors == k) {
            return;
        }
        longRange.predict(heads, anchorY, anchorX, anchors, cfg.refineSteps, weak, predY, predX); // only weak ones move
        for (int j = 0; j < k; j++) {
            if (!weak[j]) {
                continue;
            }
            for (int a = 0; a < anchors; a++) {
                column[a] = predY[a * k + j];
            }
            guessY[j] = median(column, anchors);
            for (int a = 0; a < anchors; a++) {
                column[a] = predX[a * k + j];
            }
            guessX[j] = median(column, anchors);
        }
        keypointScores(heads, v, guessY, guessX, scale, weak, rough, guessScores, guessHigh);
        for (int j = 0; j < k; j++) {
            if (weak[j] && better(heads, v, j, scale)) {
                py[j] = guessY[j];
                px[j] = guessX[j];
                scores[j] = guessScores[j];
                scoreHigh[j] = guessHigh[j];
            }
        }
    }

    /** Whether keypoint j scores better at its guess than where it is (both within bounds, computed if need be). */
    private boolean better(Heads heads, Votes v, int j, double scale) {
        if (guessScores[j] > scoreHigh[j]) {
            return true;
        }
        if (guessHigh[j] <= scores[j]) {
            return false;
        }
        exactScore(heads, v, j, py, px, scale, scores, scoreHigh);
        exactScore(heads, v, j, guessY, guessX, scale, guessScores, guessHigh);
        return guessScores[j] > scores[j];
    }

    /** np.median of values[0..n), sorting them in place (insertion sort in Double.compare order, as Arrays.sort). */
    static double median(double[] values, int n) {
        for (int i = 1; i < n; i++) {
            double t = values[i];
            int j = i - 1;
            while (j >= 0 && Double.compare(values[j], t) > 0) {
                values[j + 1] = values[j];
                j--;
            }
            values[j + 1] = t;
        }
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
