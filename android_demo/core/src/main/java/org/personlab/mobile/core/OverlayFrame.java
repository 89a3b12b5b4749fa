package org.personlab.mobile.core;

import java.util.List;

/**
 * What the overlay draws for one decoded frame, in view pixels and reusable arrays: skeleton segments
 * (x0, y0, x1, y1 per segment, android.graphics.Canvas.drawLines order) and confident keypoints per
 * person, each person's colour, score and label anchor, and the instance mask as ARGB pixels of the mask
 * grid (drawn with {@link ViewTransform#forMaskBitmap}). Filled on the analyzer thread, drawn on the UI
 * thread: the app hands filled frames over and gets them back (no drawing-time allocation).
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

    private void capacity(int n, int k, int edges, int cells) {
        if (lines.length < n) {
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
    }

    /**
     * Fills this frame from a decode. colours[p] is person p's ARGB colour (by track id where tracked);
     * a keypoint is drawn when its score exceeds {@code floor}, an edge when both ends are.
     */
    public void fill(Decoder.Result r, ViewTransform t, int[][] edges, int[] colours, double floor) {
        List<Person> ps = r.people;
        int k = ps.isEmpty() ? 0 : ps.get(0).numKeypoints();
        capacity(ps.size(), k, edges.length, r.maskH * r.maskW);
        people = ps.size();
        for (int p = 0; p < people; p++) {
            Person person = ps.get(p);
            colour[p] = colours[p];
            score[p] = (float) person.score;
            float[] pts = points[p];
            int np = 0;
            float top = Float.MAX_VALUE;
            for (int j = 0; j < k; j++) {
                if (person.scores[j] > floor) {
                    float x = (float) t.viewX(person.x[j]);
                    float y = (float) t.viewY(person.y[j]);
                    pts[np++] = x;
                    pts[np++] = y;
                    if (y < top) {
                        top = y;
                        labelX[p] = x;
                        labelY[p] = y;
                    }
                }
            }
            pointCount[p] = np;
            float[] ls = lines[p];
            int nl = 0;
            for (int[] e : edges) {
                if (person.scores[e[0]] > floor && person.scores[e[1]] > floor) {
                    ls[nl++] = (float) t.viewX(person.x[e[0]]);
                    ls[nl++] = (float) t.viewY(person.y[e[0]]);
                    ls[nl++] = (float) t.viewX(person.x[e[1]]);
                    ls[nl++] = (float) t.viewY(person.y[e[1]]);
                }
            }
            lineCount[p] = nl;
        }
        maskW = r.maskW;
        maskH = r.maskH;
        for (int i = 0; i < mask.length; i++) {
            int p = r.labels[i];
            mask[i] = p < 0 ? 0 : (colours[p] & 0x00FFFFFF) | MASK_ALPHA;
        }
        t.forMaskBitmap(r.maskStride).matrixValues(maskMatrix);
    }
}
