package org.personlab.mobile.core;

import java.util.List;

/**
 * What the overlay draws for one decoded frame, in view pixels and reusable arrays: skeleton segments
 * (x0, y0, x1, y1 per segment, android.graphics.Canvas.drawLines order) and confident keypoints per
 * person, each person's colour, score and label anchor, and the instance mask as ARGB pixels of the mask
 * grid (drawn with {@link ViewTransform#forMaskBitmap}). Filled on the analyzer thread, drawn on the UI
 * thread: the app hands filled frames over and gets them back (no drawing-time allocation). Filled either
 * at once ({@link #fill}) or person by person ({@link #begin}, {@link #addPerson}, {@link #setMask}) when
 * a tracker supplies smoothed keypoints and stable colours.
 */
public final class OverlayFrame {
    private static final int MASK_ALPHA = 0x70000000;

    public int people;
    public float[][] lines = new float[0][];
    public int[] lineCount = new int[0]; // floats used in lines[p]
    public float[][] points = new float[0][];
    public int[] pointCount = new int[0];
    public int[] colour = new int[0];
    public float[] score = new float[0];
    public float[] labelX = new float[0];
    public float[] labelY = new float[0];
    public int[] mask = new int[0];
    public int maskW;
    public int maskH;
    public final float[] maskMatrix = new float[9];
    public String status = "";

    /** Starts a frame of up to n people of k keypoints (the arrays grow on the first frames only). */
    public void begin(int n, int k, int edges, int cells) {
        if (lines.length < n || (n > 0 && (points[0].length < 2 * k || lines[0].length < 4 * edges))) {
            lines = new float[n][4 * edges];
            lineCount = new int[n];
            points = new float[n][2 * k];
            pointCount = new int[n];
            colour = new int[n];
            score = new float[n];
            labelX = new float[n];
            labelY = new float[n];
        }
        if (mask.length != cells) {
            mask = new int[cells];
        }
        people = 0;
    }

    /**
     * Adds one person's skeleton (raw keypoints, or a track's smoothed ones): a keypoint is drawn when its
     * score exceeds {@code floor}, an edge when both ends are.
     */
    public void addPerson(double[] y, double[] x, double[] scores, double personScore, int argb, ViewTransform t,
            int[][] edges, double floor) {
        int p = people++;
        colour[p] = argb;
        score[p] = (float) personScore;
        float[] pts = points[p];
        int np = 0;
        float top = Float.MAX_VALUE;
        for (int j = 0; j < scores.length; j++) {
            if (scores[j] > floor) {
                float vx = (float) t.viewX(x[j]);
                float vy = (float) t.viewY(y[j]);
                pts[np++] = vx;
                pts[np++] = vy;
                if (vy < top) {
                    top = vy;
                    labelX[p] = vx;
                    labelY[p] = vy;
                }
            }
        }
        pointCount[p] = np;
        float[] ls = lines[p];
        int nl = 0;
        for (int[] e : edges) {
            if (scores[e[0]] > floor && scores[e[1]] > floor) {
                ls[nl++] = (float) t.viewX(x[e[0]]);
                ls[nl++] = (float) t.viewY(y[e[0]]);
                ls[nl++] = (float) t.viewX(x[e[1]]);
                ls[nl++] = (float) t.viewY(y[e[1]]);
            }
        }
        lineCount[p] = nl;
    }

    /** The instance mask, person p's cells in colours[p], and its bitmap-to-view matrix. */
    public void setMask(Decoder.Result r, int[] colours, ViewTransform t) {
        maskW = r.maskW;
        maskH = r.maskH;
        for (int i = 0; i < mask.length; i++) {
            int p = r.labels[i];
            mask[i] = p < 0 ? 0 : (colours[p] & 0x00FFFFFF) | MASK_ALPHA;
        }
        t.forMaskBitmap(r.maskStride).matrixValues(maskMatrix);
    }

    /** A whole untracked decode: person p in colours[p]. */
    public void fill(Decoder.Result r, ViewTransform t, int[][] edges, int[] colours, double floor) {
        List<Person> ps = r.people;
        begin(ps.size(), ps.isEmpty() ? 0 : ps.get(0).numKeypoints(), edges.length, r.maskH * r.maskW);
        for (int p = 0; p < ps.size(); p++) {
            Person person = ps.get(p);
            addPerson(person.y, person.x, person.scores, person.score, colours[p], t, edges, floor);
        }
        setMask(r, colours, t);
    }
}
